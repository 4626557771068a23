/**
 * The JWK store's messages, in Apinizer's own words (its management API's 400
 * responses, word for word): the store, the Generate-JWK request, the service
 * and the CLI say the same. Kept with the store, the lowest layer that needs them.
 */

export const NAME_EMPTY = 'JWK name can not be empty!'
export const TYPE_EMPTY = 'JWK type can not be empty!'

export function alreadyExists(name: string): string {
  return `JWK (name: ${name}) is already exist! Try update operation if want to change its value.`
}

export function notFound(name: string): string {
  return `JWK (name: ${name}) is not found!`
}

/** Apinizer's own error messages (its management API's 400 responses), word for word. */

export const NAME_EMPTY = 'JWK name can not be empty!'
export const TYPE_EMPTY = 'JWK type can not be empty!'

export function alreadyExists(name: string): string {
  return `JWK (name: ${name}) is already exist! Try update operation if want to change its value.`
}

export function notFound(name: string): string {
  return `JWK (name: ${name}) is not found!`
}

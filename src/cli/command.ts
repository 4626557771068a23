/** Commands as data: node:util parseArgs options, help text and examples in one place. */
import { parseArgs } from 'node:util'
import { InvalidRequestError } from '../errors.js'
import { aliasesFor } from './flags.js'
import { asUsage } from './report.js'

export interface OptionDef {
  type: 'string' | 'boolean'
  short?: string
  /** A string option that may be repeated (its value is then a string[]). */
  multiple?: boolean
  /** The value's placeholder in --help (string options). */
  value?: string
  description: string
}

export type Values = Record<string, string | boolean | string[] | undefined>

export interface CommandDef {
  name: string
  /** One line for the command list. */
  summary: string
  /** The usage line after `platform-keygen `. */
  usage: string
  /** Paragraphs after the usage line. */
  description?: string
  options: Record<string, OptionDef>
  /** How many positionals the command takes. */
  positionals: { min: number; max: number; name?: string }
  /** Shell lines run by the tests (test/cli-examples.test.ts) and shown in the README. */
  examples: string[]
  run(values: Values, positionals: string[]): Promise<number>
}

export const HELP_OPTION: OptionDef = { type: 'boolean', short: 'h', description: 'show this help' }

export function parseCommand(def: CommandDef, args: string[]): { values: Values; positionals: string[] } | 'help' {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {}
  for (const [name, o] of Object.entries({ ...def.options, help: HELP_OPTION })) {
    options[name] = o.short ? { type: o.type, short: o.short } : { type: o.type }
    if (o.multiple) (options[name] as { multiple?: boolean }).multiple = true
  }
  const aliases = aliasesFor(def.name, def.options)
  for (const [alias, name] of Object.entries(aliases)) {
    options[alias] = { type: (def.options[name] as OptionDef).type }
  }
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true })
  } catch (err) {
    throw asUsage(err)
  }
  const values = parsed.values as Values
  for (const [alias, name] of Object.entries(aliases)) {
    if (values[alias] === undefined) continue
    if (values[name] !== undefined) {
      throw asUsage(new InvalidRequestError(`--${alias} is another spelling of --${name}: give one of them`))
    }
    values[name] = values[alias]
    delete values[alias]
  }
  if (values.help) return 'help'
  const { min, max, name } = def.positionals
  if (parsed.positionals.length < min) {
    throw asUsage(new InvalidRequestError(`${def.name} needs ${name ?? 'an argument'}`))
  }
  if (parsed.positionals.length > max) {
    const extra = parsed.positionals[max]
    throw asUsage(
      Object.assign(new TypeError(`unexpected argument ${JSON.stringify(extra)} for ${def.name}`), {
        code: 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL',
      }),
    )
  }
  return { values, positionals: parsed.positionals }
}

function wrap(text: string, width: number, indent: string): string {
  const words = text.split(/\s+/).filter(Boolean)
  const lines: string[] = []
  let line = ''
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line)
      line = w
    } else {
      line = line ? `${line} ${w}` : w
    }
  }
  if (line) lines.push(line)
  return lines.map((l, i) => (i === 0 ? l : indent + l)).join('\n')
}

export function commandHelp(def: CommandDef): string {
  const out: string[] = [`Usage: platform-keygen ${def.usage}`, '', def.summary]
  if (def.description) out.push('', def.description)
  const aliases = Object.entries(aliasesFor(def.name, def.options))
  const rows = Object.entries({ ...def.options, help: HELP_OPTION }).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`
    const also = aliases.filter(([, n]) => n === name).map(([a]) => `--${a}`)
    return [flag, also.length > 0 ? `${o.description} (also ${also.join(', ')})` : o.description] as const
  })
  const width = Math.max(...rows.map(([f]) => f.length)) + 2
  out.push('', 'Options:')
  for (const [flag, text] of rows) out.push(`  ${flag.padEnd(width)}${wrap(text, 76 - width, ' '.repeat(width + 2))}`)
  if (def.examples.length > 0) {
    out.push('', 'Examples:')
    for (const e of def.examples) out.push(`  ${e}`)
  }
  return `${out.join('\n')}\n`
}

/** The positionals of a command whose one word is its action (`cert self-signed`, `jwt sign`). */
export function actionPositional(action: string): CommandDef['positionals'] {
  return { min: 1, max: 1, name: `the action: ${action}` }
}

/** Refuses any other action than the command's one (a usage error). */
export function checkAction(command: string, positionals: readonly string[], action: string): void {
  if (positionals[0] !== action) throw asUsage(new InvalidRequestError(`${command}: the action is ${action}`))
}

/** An integer option: digits only, within [min, max]. */
export function intOption(values: Values, name: string, fallback: number, min: number, max: number): number {
  const v = values[name]
  if (v === undefined) return fallback
  if (typeof v !== 'string' || !/^[0-9]+$/.test(v)) {
    throw asUsage(new InvalidRequestError(`--${name} must be a whole number, got ${JSON.stringify(v)}`))
  }
  const n = Number(v)
  if (n < min || n > max) throw asUsage(new InvalidRequestError(`--${name} must be from ${min} to ${max}, got ${n}`))
  return n
}

/** A string option restricted to a list. */
export function choiceOption<T extends string>(values: Values, name: string, choices: readonly T[]): T | undefined {
  const v = values[name]
  if (v === undefined) return undefined
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    throw asUsage(new InvalidRequestError(`--${name} must be one of ${choices.join(', ')}; got ${JSON.stringify(v)}`))
  }
  return v as T
}

export function stringOption(values: Values, name: string): string | undefined {
  const v = values[name]
  return typeof v === 'string' ? v : undefined
}

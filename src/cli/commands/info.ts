/** `info`: what this runtime's provider has, and the key-length table. */
import { capabilities } from '../../generate/index.js'
import { keyLengthTable } from '../../registry.js'
import type { CommandDef } from '../command.js'
import { jsonText, print } from '../output.js'
import { EXIT_OK } from '../report.js'
import { packageVersion } from '../version.js'

export const INFO_COMMAND: CommandDef = {
  name: 'info',
  summary: "Print the provider's capabilities and the key-length table as JSON.",
  usage: 'info',
  description:
    'capabilities: the provider (openssl or cng), its version, and which algorithms, curves and parameter sets this runtime really has (probed at run time). keyLengthTable: the lengths each algorithm allows.',
  options: {},
  positionals: { min: 0, max: 0 },
  examples: ['platform-keygen info'],
  async run() {
    const out = { version: packageVersion(), capabilities: capabilities(), keyLengthTable }
    print(jsonText(out))
    return EXIT_OK
  },
}

import { ConfigurationError } from '../shared/errors';

/** A command line (or input) a person must fix. */
export class UsageError extends ConfigurationError {
  override readonly name = 'UsageError';
}

/** Refuses `flag` given with a subcommand other than those `allowed`: "--json goes with `rules show`". */
export function flagOnlyWith(command: string, sub: string, flag: string, given: boolean, allowed: readonly string[]): void {
  if (given && !allowed.includes(sub)) throw new UsageError(`${flag} goes with ${allowed.map((a) => `\`${command} ${a}\``).join(' or ')}`);
}

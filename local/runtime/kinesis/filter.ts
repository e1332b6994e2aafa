/**
 * Lambda's event filtering (FilterCriteria patterns), for the rules an event source mapping may use
 * here: values listed in arrays (strings, numbers, booleans, null), nested objects, and the
 * operators `prefix`, `exists`, `anything-but` and `numeric`. Every key of a pattern must match
 * (AND); the values listed for one key are alternatives (OR); a record value that is an array
 * matches when one of its elements does. An operator outside this list is refused, never ignored.
 */
export function matchesFilter(record: object, pattern: string): boolean {
  return matchesObject(record, parsed(pattern));
}

type Pattern = { readonly [key: string]: unknown };

const cache = new Map<string, Pattern>();

function parsed(pattern: string): Pattern {
  let result = cache.get(pattern);
  if (!result) {
    const value: unknown = JSON.parse(pattern);
    if (!isObject(value)) throw new Error(`a filter pattern must be a JSON object: ${pattern}`);
    result = value;
    cache.set(pattern, result);
  }
  return result;
}

function matchesObject(value: unknown, pattern: Pattern): boolean {
  const object = isObject(value) ? value : {};
  return Object.entries(pattern).every(([key, rule]) => {
    const field = Object.hasOwn(object, key) ? object[key] : undefined;
    if (Array.isArray(rule)) return matchesRules(field, rule);
    if (isObject(rule)) return isObject(field) && matchesObject(field, rule);
    throw new Error(`filter pattern key "${key}" needs an array of rules or an object, got ${JSON.stringify(rule)}`);
  });
}

function matchesRules(field: unknown, rules: readonly unknown[]): boolean {
  // A missing key matches only `{"exists": false}`.
  if (field === undefined) return rules.some((rule) => isObject(rule) && rule['exists'] === false);
  const values = Array.isArray(field) ? field : [field];
  return values.some((value) => rules.some((rule) => matchesRule(value, rule)));
}

function matchesRule(value: unknown, rule: unknown): boolean {
  if (!isObject(rule)) return value === rule;
  const [operator, ...others] = Object.keys(rule);
  if (operator === undefined || others.length > 0) throw new Error(`unsupported filter rule ${JSON.stringify(rule)}`);
  const operand = rule[operator];
  switch (operator) {
    case 'exists':
      return operand === true;
    case 'prefix':
      return typeof operand === 'string' && typeof value === 'string' && value.startsWith(operand);
    case 'anything-but':
      if (isObject(operand)) throw new Error(`unsupported filter rule ${JSON.stringify(rule)}`);
      return !(Array.isArray(operand) ? operand : [operand]).includes(value);
    case 'numeric':
      return typeof value === 'number' && Array.isArray(operand) && matchesNumeric(value, operand);
    default:
      throw new Error(`unsupported filter rule ${JSON.stringify(rule)}`);
  }
}

const comparisons: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

/** `["<", 10]` or a range such as `[">=", 0, "<", 10]`. */
function matchesNumeric(value: number, terms: readonly unknown[]): boolean {
  if (terms.length === 0 || terms.length % 2 !== 0) throw new Error(`unsupported numeric rule ${JSON.stringify(terms)}`);
  for (let i = 0; i < terms.length; i += 2) {
    const compare = comparisons[String(terms[i])];
    const bound = terms[i + 1];
    if (!compare || typeof bound !== 'number') throw new Error(`unsupported numeric rule ${JSON.stringify(terms)}`);
    if (!compare(value, bound)) return false;
  }
  return true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

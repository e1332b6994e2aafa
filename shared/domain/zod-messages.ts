import { en } from 'zod/locales';

/**
 * zod/mini carries no message texts of its own (every issue would read "Invalid input"); the
 * schemas' own messages come first, and for the rest these are the English texts classic zod gives
 * (`Too big: expected number to be <=1`). Passed per parse, so no global zod config is changed.
 */
export const withEnglishMessages = { error: en().localeError } as const;

import { HttpError } from './http-util.js';

/** Refuses a request whose parameters or body fail validation: the SDK's 422. */
export function invalid(message: string): HttpError {
  return new HttpError(422, 'validation_error', message);
}

export interface Page<T> {
  readonly data: T[];
  readonly meta: { readonly total: number; readonly page: number; readonly per_page: number; readonly last_page: number };
}

/** Most results a page holds (doc 004). */
const MAX_PER_PAGE = 100;
const DEFAULT_PER_PAGE = 20;

/**
 * One page of `items` by `page` (from 1, default 1) and `per_page` (1–100, default 20), with the
 * results endpoint's `meta` plus `last_page` (the SDK's paginated response has it). A page past
 * the last is empty, not an error. @throws HttpError 422 for a bad `page` or `per_page`.
 */
export function paginate<T>(items: readonly T[], params: URLSearchParams): Page<T> {
  const page = integerParam(params, 'page', 1, undefined, 1);
  const perPage = integerParam(params, 'per_page', 1, MAX_PER_PAGE, DEFAULT_PER_PAGE);
  const data = items.slice((page - 1) * perPage, page * perPage);
  return { data, meta: { total: items.length, page, per_page: perPage, last_page: Math.max(1, Math.ceil(items.length / perPage)) } };
}

/** An ISO 8601 instant, epoch ms, or undefined when absent. @throws HttpError 422 when unparseable. */
export function instantParam(params: URLSearchParams, name: string): number | undefined {
  const value = params.get(name);
  if (value === null || value === '') return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw invalid(`${name} must be an ISO 8601 date or time, got ${JSON.stringify(value)}`);
  return ms;
}

/** A value from a closed set, or undefined when absent. @throws HttpError 422 for another value. */
export function choiceParam<T extends string>(params: URLSearchParams, name: string, allowed: readonly T[]): T | undefined {
  const value = params.get(name);
  if (value === null || value === '') return undefined;
  return checkChoice(value, name, allowed);
}

/** Comma-separated values from a closed set (`severity=critical,high`), or undefined when absent. */
export function choicesParam<T extends string>(params: URLSearchParams, name: string, allowed: readonly T[]): Set<T> | undefined {
  const value = params.get(name);
  if (value === null || value === '') return undefined;
  return new Set(value.split(',').map((item) => checkChoice(item.trim(), name, allowed)));
}

function checkChoice<T extends string>(value: unknown, name: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

function integerParam(params: URLSearchParams, name: string, min: number, max: number | undefined, fallback: number): number {
  const value = params.get(name);
  if (value === null || value === '') return fallback;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < min || (max !== undefined && number > max)) {
    const range = max === undefined ? `>= ${min}` : `from ${min} to ${max}`;
    throw invalid(`${name} must be an integer ${range}, got ${JSON.stringify(value)}`);
  }
  return number;
}

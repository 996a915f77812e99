/**
 * Expected errors a person can act on. They carry `extensions.code` and pass through Yoga's masking;
 * anything else is masked as an internal error.
 */
import { createGraphQLError } from "graphql-yoga";

export function badUserInput(message: string, field?: string) {
  return createGraphQLError(message, {
    extensions: { code: "BAD_USER_INPUT", ...(field ? { field } : {}) },
  });
}

export function notFound(message: string) {
  return createGraphQLError(message, { extensions: { code: "NOT_FOUND" } });
}

export function unauthenticated(message: string) {
  return createGraphQLError(message, { extensions: { code: "UNAUTHENTICATED" } });
}

/** Turns the `RangeError`/`TypeError` of a validator or analytics function into BAD_USER_INPUT. */
export function asUserError(error: unknown): unknown {
  if (error instanceof RangeError || error instanceof TypeError) return badUserInput(error.message);
  return error;
}

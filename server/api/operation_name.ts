/**
 * Names the operation to run when a document's operations do not say it: an `operationName` that
 * the document does not define, or several operations and no name. graphql-jit would answer only
 * "Could not determine what operation to execute"; this says which names exist.
 */
import {
  type DefinitionNode,
  type DocumentNode,
  getOperationAST,
  GraphQLError,
  Kind,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import { shown } from "./arguments.ts";

/** The error for a document whose operation to run cannot be told, or null when it can. */
function unresolvedOperation(
  document: DocumentNode,
  operationName: string | null | undefined,
): GraphQLError | null {
  if (getOperationAST(document, operationName)) return null;
  const names = document.definitions.flatMap((definition: DefinitionNode) =>
    definition.kind === Kind.OPERATION_DEFINITION ? [definition.name?.value ?? "(unnamed)"] : []
  );
  const message = operationName
    ? `Unknown operation named "${shown(operationName)}": the document defines ` +
      `${names.join(", ") || "no operation"}`
    : `The document defines ${names.length} operations (${names.join(", ")}): name the one ` +
      "to run with operationName";
  return new GraphQLError(message, {
    extensions: { code: "BAD_USER_INPUT", http: { status: 400 } },
  });
}

export function useOperationNameCheck(): Plugin {
  return {
    // HTTP: before Yoga's own check, which says only that it could not tell.
    onParse() {
      return ({ result, context }) => {
        if (!result || result instanceof Error) return;
        const params = (context as { params?: { operationName?: string | null } }).params;
        const error = unresolvedOperation(result, params?.operationName);
        if (error) throw error;
      };
    },
    // graphql-ws, which executes without Yoga's request checks.
    onExecute({ args, setResultAndStopExecution }) {
      const error = unresolvedOperation(args.document, args.operationName);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}

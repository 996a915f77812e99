/**
 * Introspection switched off (`GRAPHQL_INTROSPECTION=0`): a document that asks for `__schema` or
 * `__type` is refused while validating, on HTTP and graphql-ws alike, so the schema cannot be
 * listed by a client that was not given it. `__typename` stays: clients use it for caching.
 */
import { type ASTVisitor, GraphQLError, type ValidationContext } from "graphql";
import type { Plugin } from "graphql-yoga";

function noIntrospection(validation: ValidationContext): ASTVisitor {
  return {
    Field(node) {
      const name = node.name.value;
      if (name !== "__schema" && name !== "__type") return;
      validation.reportError(
        new GraphQLError(
          `Introspection is turned off on this server (GRAPHQL_INTROSPECTION=0): ${name} is not ` +
            "available; the schema is published as schema.graphql",
          { nodes: node, extensions: { code: "INTROSPECTION_DISABLED" } },
        ),
      );
    },
  };
}

export function useNoIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(noIntrospection);
    },
  };
}

/**
 * Limits on the shape of a GraphQL document, checked before anything runs: tokens while parsing,
 * then depth, cost and aliases while validating. They apply to every operation of every transport
 * (HTTP and graphql-ws both parse and validate through Yoga's envelop), so a hostile document is
 * refused with an error naming the limit, its value and the variable that sets it.
 *
 * Cost estimates the work of a response: every field costs 1, and a list field multiplies the cost
 * of what it selects by the number of items it may return: its `limit` argument when the document
 * gives one as a literal, otherwise its bound (MAX_POINTS for bars and pair points). A variable
 * counts as the bound, so the estimate depends on the document only and can be cached with it.
 * Introspection (`__schema`, `__type`) is bounded by the schema itself and is not counted in cost.
 */
import {
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  parse,
  type SelectionSetNode,
  type ValidationContext,
} from "graphql";
import type { Plugin } from "graphql-yoga";

export interface OperationLimits {
  /** Deepest field nesting (`GRAPHQL_MAX_DEPTH`). */
  maxDepth: number;
  /** Highest estimated cost (`GRAPHQL_MAX_COST`). */
  maxCost: number;
  /** Most aliased fields in one document (`GRAPHQL_MAX_ALIASES`). */
  maxAliases: number;
  /** Most lexical tokens in one document (`GRAPHQL_MAX_TOKENS`). */
  maxTokens: number;
  /** The size of a list of points (bars, pair points, equity): MAX_POINTS. */
  maxPoints: number;
}

/**
 * Default limits: far above the dashboard's own operations (depth 4, cost about 1.05 million at
 * the default MAX_POINTS). The cost limit follows MAX_POINTS (50 lists of points), and is never
 * below 5,000,000, so that a small MAX_POINTS does not refuse a handful of aliases.
 */
export function defaultOperationLimits(maxPoints = 100_000): OperationLimits {
  return {
    maxDepth: 20,
    maxCost: defaultMaxCost(maxPoints),
    maxAliases: 30,
    maxTokens: 5_000,
    maxPoints,
  };
}

export function defaultMaxCost(maxPoints: number): number {
  return Math.max(5_000_000, 50 * maxPoints);
}

/** The refusal of a document over a limit: `extensions.code` QUERY_LIMIT and which limit. */
export function limitError(
  limit: "depth" | "cost" | "aliases" | "tokens",
  message: string,
  values: { max: number; actual?: number },
): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: "QUERY_LIMIT", limit, ...values },
  });
}

/** Items a list field may return when no literal `limit` says fewer. */
type ListSize = (limits: OperationLimits) => number;

const DEFAULT_LIST_SIZE = 100;

/**
 * The bounds of this schema's lists ("Type.field"). Others count DEFAULT_LIST_SIZE: instruments,
 * alert rules and a job's rejections are short lists.
 */
const LIST_SIZES: Record<string, ListSize> = {
  "Query.bars": (limits) => limits.maxPoints,
  "PairAnalytics.points": (limits) => limits.maxPoints,
  "Backtest.equity": (limits) => limits.maxPoints,
  // A round trip holds at least one bar and fills on the next.
  "Backtest.tradeList": (limits) => Math.ceil(limits.maxPoints / 2),
  "Query.backtestSweep": () => 400,
  // 30 symbols at most: 435 pairs.
  "Query.pairScan": () => 435,
  "Query.alertEvents": () => 10_000,
};

const INTROSPECTION_FIELDS = new Set(["__schema", "__type"]);

interface Measure {
  depth: number;
  cost: number;
}

interface MeasureContext {
  limits: OperationLimits;
  fragment(name: string): FragmentDefinitionNode | undefined;
  fragmentType(name: string): GraphQLNamedType | undefined;
}

/**
 * Depth and cost of a selection set. Fragments are followed where they are spread; a fragment
 * cycle is reported by graphql's own rule, so it is cut here.
 */
function measure(
  selectionSet: SelectionSetNode,
  parentType: GraphQLNamedType | undefined,
  context: MeasureContext,
  visiting: Set<string>,
): Measure {
  let depth = 0;
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const field = fieldOf(parentType, selection);
      const introspection = INTROSPECTION_FIELDS.has(selection.name.value);
      const inner = selection.selectionSet
        ? measure(
          selection.selectionSet,
          field ? getNamedType(field.type) : undefined,
          context,
          visiting,
        )
        : { depth: 0, cost: 0 };
      depth = Math.max(depth, 1 + inner.depth);
      if (introspection || selection.name.value === "__typename") continue;
      const size = field && isListType(getNullableType(field.type))
        ? listSize(parentType!.name, selection, context.limits)
        : 1;
      cost += size * (1 + inner.cost);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition
        ? context.fragmentType(selection.typeCondition.name.value) ?? parentType
        : parentType;
      const inner = measure(selection.selectionSet, type, context, visiting);
      depth = Math.max(depth, inner.depth);
      cost += inner.cost;
    } else {
      const name = selection.name.value;
      const fragment = context.fragment(name);
      if (!fragment || visiting.has(name)) continue;
      visiting.add(name);
      const inner = measure(
        fragment.selectionSet,
        context.fragmentType(fragment.typeCondition.name.value) ?? parentType,
        context,
        visiting,
      );
      visiting.delete(name);
      depth = Math.max(depth, inner.depth);
      cost += inner.cost;
    }
  }
  return { depth, cost };
}

function fieldOf(
  parentType: GraphQLNamedType | undefined,
  node: FieldNode,
): GraphQLField<unknown, unknown> | undefined {
  if (!parentType || !(isObjectType(parentType) || isInterfaceType(parentType))) return undefined;
  return parentType.getFields()[node.name.value];
}

function listSize(parentName: string, node: FieldNode, limits: OperationLimits): number {
  const bound = LIST_SIZES[`${parentName}.${node.name.value}`]?.(limits) ?? DEFAULT_LIST_SIZE;
  const limitArgument = node.arguments?.find((argument) => argument.name.value === "limit");
  if (limitArgument?.value.kind === Kind.INT) {
    const given = Number(limitArgument.value.value);
    // A limit above the bound is refused by the resolver before any work; below it, it is what
    // will be returned.
    if (Number.isFinite(given) && given >= 0) return Math.min(given, bound);
  }
  return bound;
}

/** The validation rule: depth and cost of each operation, aliases of the whole document. */
export function operationLimitsRule(limits: OperationLimits) {
  return (validation: ValidationContext): ASTVisitor => {
    const context: MeasureContext = {
      limits,
      fragment: (name: string) => validation.getFragment(name) ?? undefined,
      fragmentType: (name: string) => validation.getSchema().getType(name) ?? undefined,
    };
    return {
      Document(document) {
        let aliases = 0;
        const count = (selectionSet: SelectionSetNode) => {
          for (const selection of selectionSet.selections) {
            if (selection.kind === Kind.FIELD && selection.alias) aliases++;
            if ("selectionSet" in selection && selection.selectionSet) {
              count(selection.selectionSet);
            }
          }
        };
        for (const definition of document.definitions) {
          if ("selectionSet" in definition && definition.selectionSet) {
            count(definition.selectionSet);
          }
        }
        if (aliases > limits.maxAliases) {
          validation.reportError(limitError(
            "aliases",
            `The document has ${aliases} aliases, over the limit of ${limits.maxAliases} ` +
              "(GRAPHQL_MAX_ALIASES): split it into several requests",
            { max: limits.maxAliases, actual: aliases },
          ));
        }
      },
      OperationDefinition(operation) {
        const root = validation.getSchema().getRootType(operation.operation) ?? undefined;
        const { depth, cost } = measure(operation.selectionSet, root, context, new Set());
        const name = operation.name ? `Operation ${operation.name.value}` : "The operation";
        if (depth > limits.maxDepth) {
          validation.reportError(limitError(
            "depth",
            `${name} is ${depth} levels deep, over the limit of ${limits.maxDepth} ` +
              "(GRAPHQL_MAX_DEPTH)",
            { max: limits.maxDepth, actual: depth },
          ));
        }
        if (cost > limits.maxCost) {
          validation.reportError(limitError(
            "cost",
            `${name} has an estimated cost of ${cost}, over the limit of ${limits.maxCost} ` +
              "(GRAPHQL_MAX_COST; each field costs 1, a list multiplies by its limit or by " +
              `${limits.maxPoints} points): pass a smaller limit, select fewer fields or ` +
              "fewer aliases",
            { max: limits.maxCost, actual: cost },
          ));
        }
      },
    };
  };
}

/** Depth and cost of every operation in a document, as the rule measures them (for reports). */
export function measureDocument(
  source: string,
  schema: GraphQLSchema,
  limits: OperationLimits,
): { name: string | null; depth: number; cost: number }[] {
  const document = parse(source);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  const context: MeasureContext = {
    limits,
    fragment: (name: string) => fragments.get(name),
    fragmentType: (name: string) => schema.getType(name) ?? undefined,
  };
  return document.definitions.flatMap((definition) => {
    if (definition.kind !== Kind.OPERATION_DEFINITION) return [];
    const root = schema.getRootType(definition.operation) ?? undefined;
    const measured = measure(definition.selectionSet, root, context, new Set());
    return [{ name: definition.name?.value ?? null, ...measured }];
  });
}

/**
 * The envelop plugin: parses with a token limit (graphql-js stops reading at the limit, so a huge
 * document costs no more than the limit) and adds the depth, cost and alias rule.
 */
export function useOperationLimits(limits: OperationLimits): Plugin {
  const rule = operationLimitsRule(limits);
  return {
    onParse({ setParseFn }) {
      setParseFn((source, options) => {
        try {
          return parse(source, { ...options, maxTokens: limits.maxTokens });
        } catch (error) {
          if (error instanceof GraphQLError && /more th\w+ \d+ tokens/.test(error.message)) {
            throw limitError(
              "tokens",
              `The document has more than ${limits.maxTokens} tokens, the limit ` +
                "(GRAPHQL_MAX_TOKENS): send a shorter document",
              { max: limits.maxTokens },
            );
          }
          throw error;
        }
      });
    },
    onValidate({ addValidationRule }) {
      addValidationRule(rule);
    },
  };
}

/** The import-job operations of the data view. */
import { gql } from "@urql/solid";

export type ImportJobState = "RUNNING" | "DONE" | "FAILED";

export interface ImportJobResult {
  id: string;
  fileName: string;
  state: ImportJobState;
  bytesRead: number;
  lines: number;
  tradesRead: number;
  barsRead: number;
  stored: number;
  barsStored: number;
  duplicates: number;
  ignored: number;
  rejected: number;
  rejections: string[];
  error: string | null;
}

const JOB_FIELDS = "id fileName state bytesRead lines tradesRead barsRead stored barsStored " +
  "duplicates ignored rejected rejections error";

export const IMPORT_PROGRESS = gql<{ importProgress: ImportJobResult }, { id: string }>`
  subscription ImportProgress($id: ID!) { importProgress(id: $id) { ${JOB_FIELDS} } }
`;

export const IMPORT_JOB = gql<{ importJob: ImportJobResult | null }, { id: string }>`
  query ImportJob($id: ID!) { importJob(id: $id) { ${JOB_FIELDS} } }
`;

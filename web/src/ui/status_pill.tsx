/** The connection indicator in the header: a coloured dot, a word, and the reason on hover. */
import type { ConnectionStatus } from "../state/connection_status.ts";

export function StatusPill(props: { status: ConnectionStatus }) {
  return (
    <div
      class={`status-pill tone-${props.status.tone}`}
      title={props.status.detail}
      data-testid="connection-status"
      role="status"
    >
      <span class="dot" />
      <span>{props.status.label}</span>
    </div>
  );
}

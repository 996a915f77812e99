/** Empty and error states: say what is missing or wrong, and what to do about it. */
import { For, type JSX, Show } from "solid-js";

/** GraphQL error messages, shown as the server wrote them. */
export function ErrorList(props: { messages: string[]; title?: string }) {
  return (
    <Show when={props.messages.length > 0}>
      <div class="message error" role="alert">
        <strong>{props.title ?? "The server answered with an error"}</strong>
        <ul>
          <For each={props.messages}>{(message) => <li>{message}</li>}</For>
        </ul>
      </div>
    </Show>
  );
}

export function EmptyState(props: { title: string; children?: JSX.Element }) {
  return (
    <div class="message empty">
      <strong>{props.title}</strong>
      <div>{props.children}</div>
    </div>
  );
}

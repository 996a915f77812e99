/** The stop |z|, or no stop at all: a number with an "off" switch beside it. */
import { Show } from "solid-js";

export function StopField(props: {
  value: number | null;
  /** The stop restored when the switch is turned back on. */
  fallback: number;
  onChange: (value: number | null) => void;
}) {
  return (
    <div class="field">
      <span class="field-label">Stop |z|</span>
      <div class="stop-inputs">
        <Show when={props.value !== null}>
          <input
            type="number"
            class="number"
            min={0.1}
            step={0.1}
            value={props.value ?? ""}
            aria-label="Stop |z|"
            data-testid="backtest-stop"
            onChange={(event) => {
              const value = Number(event.currentTarget.value);
              if (Number.isFinite(value) && value > 0) props.onChange(value);
              else event.currentTarget.value = String(props.value);
            }}
          />
        </Show>
        <label class="stop-off">
          <input
            type="checkbox"
            checked={props.value === null}
            data-testid="backtest-stop-off"
            onChange={(event) =>
              props.onChange(event.currentTarget.checked ? null : props.fallback)}
          />
          off
        </label>
      </div>
    </div>
  );
}

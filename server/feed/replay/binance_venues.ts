/** The venue names of Binance's two markets, as the feeds and the store write them (CONTRACT.md). */
import type { Venue } from "../../domain.ts";

export const SPOT_VENUE: Venue = "binance-spot";
export const FUTURES_VENUE: Venue = "binance-futures";

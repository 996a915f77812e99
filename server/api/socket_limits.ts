/**
 * Open graphql-ws sockets per client address (`MAX_SOCKETS_PER_ADDRESS`): one client cannot hold
 * every file descriptor of the server. The address is the peer's as the server sees it; behind a
 * proxy every client shares the proxy's address, so raise the limit there.
 */

export interface AddressLimiter {
  /** Takes a slot for the address; false when it already holds `max`. */
  acquire(address: string): boolean;
  release(address: string): void;
  /** Slots held by the address. */
  held(address: string): number;
}

export function createAddressLimiter(max: number): AddressLimiter {
  const counts = new Map<string, number>();
  return {
    acquire(address) {
      const count = counts.get(address) ?? 0;
      if (count >= max) return false;
      counts.set(address, count + 1);
      return true;
    },
    release(address) {
      const count = (counts.get(address) ?? 0) - 1;
      if (count <= 0) counts.delete(address);
      else counts.set(address, count);
    },
    held: (address) => counts.get(address) ?? 0,
  };
}

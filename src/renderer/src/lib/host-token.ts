// The browser host's per-run token, as the page keeps it: the printed address carries it once as
// `?token=`; the page moves it into sessionStorage and out of the address bar. sessionStorage
// belongs to one tab and one origin (port included), unlike a cookie, which every server on
// 127.0.0.1 would receive and a second host would overwrite. A reload finds it there.
// Free of DOM globals so Node tests can drive it.

const storageKey = 'csra-studio-token';

export interface TokenPlace {
  /** The page's address, `location.href`. */
  href: string;
  storage: Pick<Storage, 'getItem' | 'setItem'>;
  /** Shows another address for the same page without loading it: `history.replaceState`. */
  replaceAddress(address: string): void;
}

/** The token of this tab: taken from the address when it carries one, else the one kept. */
export function takeHostToken(place: TokenPlace): string | null {
  const address = new URL(place.href);
  const given = address.searchParams.get('token');
  if (!given) return place.storage.getItem(storageKey);
  place.storage.setItem(storageKey, given);
  address.searchParams.delete('token');
  place.replaceAddress(address.pathname + address.search + address.hash);
  return given;
}

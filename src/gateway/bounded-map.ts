/**
 * Puts `key` in `map` as its newest entry and forgets the oldest beyond `max`: a Map keeps its
 * insertion order, so the first key is the one set longest ago. The one way this code keeps a
 * remembered set (tokens, texts, addresses) bounded whatever is thrown at it.
 */
export function setNewest<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value!);
}

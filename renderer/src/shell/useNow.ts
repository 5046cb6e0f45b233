// A clock for ages and uptimes ("3 s ago"). Not polling: it re-renders, it never fetches.
import { useEffect, useState } from 'react';
import { useApp } from '../store/context';

export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** The moment the cluster views show: now while live, the replayed moment otherwise. */
export function useShownNow(intervalMs = 1000): number {
  const replayAt = useApp((s) => s.replay.at);
  const now = useNow(intervalMs);
  return replayAt ?? now;
}

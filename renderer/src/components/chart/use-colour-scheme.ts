/** The system colour scheme, followed live (canvas colours are resolved per draw, so charts redraw on a switch). */
import { useEffect, useState } from 'react';

const query = () => window.matchMedia('(prefers-color-scheme: light)');

/** `light` or `dark`, re-rendering the caller when the system switches. */
export function useColourScheme(): 'light' | 'dark' {
  const [light, setLight] = useState(() => query().matches);
  useEffect(() => {
    const q = query();
    const on = () => setLight(q.matches);
    q.addEventListener('change', on);
    return () => q.removeEventListener('change', on);
  }, []);
  return light ? 'light' : 'dark';
}

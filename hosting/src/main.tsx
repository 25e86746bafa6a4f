import { render } from 'preact';
import { App } from './app';
import { interceptLinks } from './router';
import { startSession } from './session';
import { startEarlyWeek } from './api';

/** How long the first paint may wait for the week's data before showing a loading line. */
const FIRST_PAINT_WAIT_MS = 300;
import './style.css';

const root = document.getElementById('app');
if (root) {
  // The home page's week is usually back by the time the script runs (the HTML preloads it): wait
  // for it a moment, so the first paint has the games instead of a loading line.
  const home = location.pathname === '/' && !new URLSearchParams(location.search).has('week');
  const ready = home
    ? Promise.race([startEarlyWeek(), new Promise((resolve) => setTimeout(resolve, FIRST_PAINT_WAIT_MS))])
    : Promise.resolve();
  void ready.then(() => {
    render(<App />, root);
    interceptLinks(document.body);
  });
}
// Firebase Auth after the first paint: the home page does not wait for it.
if ('requestIdleCallback' in window) window.requestIdleCallback(() => void startSession());
else setTimeout(() => void startSession(), 200);

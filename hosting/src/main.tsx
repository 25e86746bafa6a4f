import { render } from 'preact';
import { App } from './app';
import { interceptLinks } from './router';
import { startSession } from './session';
import { startEarlyWeek } from './api';
import { prepareFormats } from './format';

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
  // The first date formatted loads the browser's locale data: do it while the answer is on its way.
  prepareFormats();
  void ready.then(() => {
    render(<App />, root);
    interceptLinks(document.body);
    afterFirstPaint();
  });
} else afterFirstPaint();

/**
 * Firebase Auth once the first render is on screen: the home page does not wait for it, and its
 * work (loading the SDK, reading the stored session) does not compete with the render.
 */
function afterFirstPaint(): void {
  requestAnimationFrame(() =>
    setTimeout(() => {
      if ('requestIdleCallback' in window) window.requestIdleCallback(() => void startSession());
      else void startSession();
    }, 0),
  );
}

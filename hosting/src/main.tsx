import { render } from 'preact';
import { App } from './app';
import { interceptLinks } from './router';
import { startSession } from './session';
import './style.css';

const root = document.getElementById('app');
if (root) {
  render(<App />, root);
  interceptLinks(document.body);
}
// Firebase Auth after the first paint: the home page does not wait for it.
if ('requestIdleCallback' in window) window.requestIdleCallback(() => void startSession());
else setTimeout(() => void startSession(), 200);

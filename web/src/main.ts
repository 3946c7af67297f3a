import App from './App.vue';
import { start } from './start.ts';

start(App);

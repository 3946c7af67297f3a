import { start } from '../start.ts';
import OpsApp from './OpsApp.vue';
import { localeOf } from './words.ts';

start(OpsApp, localeOf(location.search));

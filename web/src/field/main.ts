import { start } from '../start.ts';
import FieldApp from './FieldApp.vue';

start(FieldApp);

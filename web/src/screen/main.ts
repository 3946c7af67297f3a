import { start } from '../start.ts';
import CommandScreen from './CommandScreen.vue';

start(CommandScreen);

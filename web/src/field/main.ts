import ElementPlus from 'element-plus';
import zhCn from 'element-plus/es/locale/lang/zh-cn';
import 'element-plus/dist/index.css';
import '../base.css';
import { createApp } from 'vue';
import FieldApp from './FieldApp.vue';

createApp(FieldApp).use(ElementPlus, { locale: zhCn }).mount('#app');

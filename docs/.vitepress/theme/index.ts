// The default theme plus the styles of the doc-test notes under code blocks.
// Interactive pages (the studio) register their Vue components here with `enhanceApp`.
import DefaultTheme from 'vitepress/theme';
import './custom.css';

export default DefaultTheme;

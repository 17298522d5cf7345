/**
 * A Teams-like look for the gallery: host configs for the adaptivecards renderer (light and dark) and the CSS
 * Teams applies around and inside a card (message frame, buttons, inputs). Values follow the Teams host
 * configs published with the Adaptive Cards designer, with text colours adjusted to meet WCAG AA contrast.
 * It is a preview: Teams itself renders with its own renderer, so spacing and fonts differ slightly.
 */

export type Theme = 'light' | 'dark';
export type Width = 'desktop' | 'mobile';

export const THEMES: readonly Theme[] = ['light', 'dark'];
export const WIDTHS: readonly Width[] = ['desktop', 'mobile'];
/** Card width in CSS pixels: a card in a Teams desktop chat, and on a 360 px wide phone. */
export const CARD_WIDTH: Readonly<Record<Width, number>> = { desktop: 540, mobile: 360 };

/** Segoe UI is not installed on Linux: Liberation Sans (Arial metrics) and DejaVu Sans stand in. */
const FONT_FAMILY = "'Segoe UI', 'Segoe UI Web (West European)', -apple-system, BlinkMacSystemFont, 'Liberation Sans', 'DejaVu Sans', sans-serif";
const MONO_FAMILY = "Consolas, 'Liberation Mono', 'DejaVu Sans Mono', monospace";

interface Palette {
  readonly page: string;
  readonly card: string;
  readonly emphasis: string;
  readonly border: string;
  readonly text: string;
  readonly subtle: string;
  readonly accent: string;
  readonly good: string;
  readonly warning: string;
  readonly attention: string;
  readonly separator: string;
  readonly button: { readonly background: string; readonly border: string; readonly text: string; readonly hover: string };
  readonly input: { readonly background: string; readonly border: string; readonly placeholder: string };
}

const PALETTES: Readonly<Record<Theme, Palette>> = {
  light: {
    page: '#f5f5f5',
    card: '#ffffff',
    emphasis: '#f5f5f5',
    border: '#e0e0e0',
    text: '#242424',
    subtle: '#616161',
    accent: '#4f52b2',
    good: '#0e700e',
    warning: '#835b00',
    attention: '#c4314b',
    separator: '#e0e0e0',
    button: { background: '#ffffff', border: '#d1d1d1', text: '#242424', hover: '#f5f5f5' },
    input: { background: '#ffffff', border: '#8a8a8a', placeholder: '#616161' },
  },
  dark: {
    page: '#1f1f1f',
    card: '#292929',
    emphasis: '#1f1f1f',
    border: '#3d3d3d',
    text: '#ffffff',
    subtle: '#d6d6d6',
    accent: '#9ea2ff',
    good: '#92c353',
    warning: '#f8d22a',
    attention: '#f1707b',
    separator: '#3d3d3d',
    button: { background: '#292929', border: '#666666', text: '#ffffff', hover: '#3d3d3d' },
    input: { background: '#1f1f1f', border: '#8a8a8a', placeholder: '#d6d6d6' },
  },
};

function foregrounds(p: Palette): object {
  const pair = (value: string, subtle: string = value) => ({ default: value, subtle });
  return {
    default: pair(p.text, p.subtle),
    dark: pair('#242424', '#424242'),
    light: pair('#ffffff', '#e0e0e0'),
    accent: pair(p.accent),
    good: pair(p.good),
    warning: pair(p.warning),
    attention: pair(p.attention),
  };
}

const FONT_SIZES = { small: 12, default: 14, medium: 14, large: 18, extraLarge: 24 };
const FONT_WEIGHTS = { lighter: 200, default: 400, bolder: 600 };

/** The host config for one theme and width (mobile stacks buttons, as Teams mobile does). */
export function hostConfig(theme: Theme, width: Width): object {
  const p = PALETTES[theme];
  const colours = foregrounds(p);
  const style = (background: string) => ({ backgroundColor: background, foregroundColors: colours });
  return {
    supportsInteractivity: true,
    fontTypes: {
      default: { fontFamily: FONT_FAMILY, fontSizes: FONT_SIZES, fontWeights: FONT_WEIGHTS },
      monospace: { fontFamily: MONO_FAMILY, fontSizes: FONT_SIZES, fontWeights: FONT_WEIGHTS },
    },
    spacing: { small: 8, default: 12, medium: 16, large: 20, extraLarge: 24, padding: 16 },
    separator: { lineThickness: 1, lineColor: p.separator },
    imageSizes: { small: 32, medium: 52, large: 100 },
    containerStyles: {
      default: style(p.card),
      emphasis: style(p.emphasis),
      accent: style(p.emphasis),
      good: style(p.emphasis),
      attention: style(p.emphasis),
      warning: style(p.emphasis),
    },
    actions: {
      maxActions: 6,
      spacing: 'default',
      buttonSpacing: 8,
      showCard: { actionMode: 'inline', inlineTopMargin: 16, style: 'emphasis' },
      actionsOrientation: width === 'mobile' ? 'vertical' : 'horizontal',
      actionAlignment: width === 'mobile' ? 'stretch' : 'left',
    },
    adaptiveCard: { allowCustomStyle: false },
    // "style": "heading" TextBlocks become role=heading; without a level they are invalid ARIA.
    textBlock: { headingLevel: 2 },
    factSet: {
      title: { color: 'default', size: 'default', isSubtle: false, weight: 'bolder', wrap: true, maxWidth: 150 },
      value: { color: 'default', size: 'default', isSubtle: false, weight: 'default', wrap: true },
      spacing: 12,
    },
    inputs: { label: { inputSpacing: 'small', requiredInputs: { suffix: ' *' }, optionalInputs: {} }, errorMessage: { size: 'default', weight: 'default' } },
  };
}

/** CSS for the page: the chat background, the card's message frame, Teams-like buttons and inputs. */
export function themeCss(theme: Theme): string {
  const p = PALETTES[theme];
  return `
  body.theme-${theme} { background: ${p.page}; color: ${p.text}; font-family: ${FONT_FAMILY}; margin: 0; }
  body.theme-${theme} .frame { background: ${p.card}; border: 1px solid ${p.border}; border-radius: 8px; overflow: visible; margin: 16px; box-sizing: content-box; }
  body.theme-${theme} .frame .ac-adaptiveCard { border-radius: 8px; }
  body.theme-${theme} .ac-pushButton {
    font-family: ${FONT_FAMILY}; font-size: 14px; font-weight: 600; min-height: 32px; padding: 5px 12px;
    background: ${p.button.background}; color: ${p.button.text}; border: 1px solid ${p.button.border}; border-radius: 4px;
    overflow: hidden; text-overflow: ellipsis; white-space: nowrap; cursor: pointer;
  }
  body.theme-${theme} .ac-pushButton:hover { background: ${p.button.hover}; }
  body.theme-${theme} .ac-pushButton:focus-visible { outline: 2px solid ${p.accent}; outline-offset: 1px; }
  body.theme-${theme} .ac-input { font-family: ${FONT_FAMILY}; font-size: 14px; color: ${p.text}; background: ${p.input.background};
    border: 1px solid ${p.input.border}; border-radius: 4px; padding: 6px 8px; box-sizing: border-box; }
  body.theme-${theme} .ac-input::placeholder { color: ${p.input.placeholder}; }
  body.theme-${theme} .ac-textInput.ac-multiline { height: 88px; resize: none; }
  body.theme-${theme} .ac-input-container { width: 100%; }
  `;
}

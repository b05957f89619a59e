import { chooseLanguage, locale, t, type Language } from '../../lib/i18n';
import controls from '../../styles/controls.module.css';

/** Each language named in itself, so a person who cannot read the current one still finds theirs. */
const LANGUAGES: ReadonlyArray<{ value: Language; name: string }> = [
  { value: 'pt-BR', name: 'Português (Brasil)' },
  { value: 'en', name: 'English' },
];

/** The app's language, chosen rather than taken from the browser (issue #19, item 9); kept on this device. */
export function LanguageSettings() {
  return (
    <fieldset class={controls.radioGroup}>
      <legend class="visually-hidden">{t('settingsLanguage')}</legend>
      {LANGUAGES.map(({ value, name }) => (
        <label class={controls.radioOption} key={value} lang={value}>
          <input
            type="radio"
            name="language"
            value={value}
            checked={locale === value}
            onChange={() => {
              if (value !== locale) chooseLanguage(value);
            }}
          />
          {name}
        </label>
      ))}
      <p class={controls.settingHint}>{t('languageHint')}</p>
    </fieldset>
  );
}

import type { SettingsView } from '../../gateway/http/admin/settings-host.ts';
import { getJson, postJson } from '../api.js';
import { h } from '../dom.js';
import { icon } from '../icons.js';
import { viewHeader, type View, type ViewContext } from '../view-context.js';
import { exportCard } from './export-memory.js';
import { importCard } from './import-memory.js';

function row(label: string, hint: string | null, control: HTMLElement): HTMLElement {
  return h(
    'div',
    { class: 'setting' },
    h('div', { class: 'setting-text' }, h('span', { class: 'setting-label', text: label }), hint ? h('span', { class: 'muted small', text: hint }) : null),
    h('div', { class: 'setting-control' }, control),
  );
}

function restartBanner(ctx: ViewContext, settings: SettingsView): HTMLElement | null {
  if (!settings.restartRequired) return null;
  return h(
    'div',
    { class: 'banner banner-info' },
    icon('alert'),
    h('span', { class: 'grow', text: 'Saved. The new port and sync settings apply after a restart.' }),
    ctx.status.desktop
      ? h(
          'button',
          { class: 'btn btn-primary', attrs: { type: 'button' }, on: { click: () => void ctx.run(() => postJson('/api/app/restart'), 'Restarting…') } },
          'Restart now',
        )
      : null,
  );
}

/** A setting this page cannot change (headless): its value as text, marked read-only, never an input that looks editable. */
function readOnly(value: string | HTMLElement): HTMLElement {
  const shown = typeof value === 'string' ? h('span', { class: 'readonly-value', text: value }) : value;
  return h('span', { class: 'readonly' }, shown, h('span', { class: 'badge badge-neutral', text: 'read-only' }));
}

/** Headless: every value as text, with where it is set instead of a control (importing still works). */
function readOnlyForm(ctx: ViewContext, settings: SettingsView): Node[] {
  return [
    h('div', { class: 'banner banner-neutral', data: { role: 'read-only' } }, icon('alert'), h('span', { text: settings.note ?? 'Read-only here.' })),
    h(
      'div',
      { class: 'card settings-group' },
      h('h3', { class: 'card-title', text: 'General' }),
      row('Start at login', 'Only the desktop app starts at login.', readOnly('not available')),
      row('Port', `Set with --port or DEMENTIA_PORT. The gateway listens on 127.0.0.1:${settings.runningPort}.`, readOnly(String(settings.port))),
      row('Data folder', 'Set with --data-dir or DEMENTIA_DATA_DIR.', readOnly(h('code', { class: 'path', text: settings.dataDir }))),
      row('Handover after', 'Set with --idle-minutes or DEMENTIA_IDLE_MINUTES.', readOnly(`${settings.idleMinutes} min`)),
    ),
    h(
      'div',
      { class: 'card settings-group' },
      h('h3', { class: 'card-title', text: 'Hosted sync' }),
      row('Postgres URL', 'Set with DEMENTIA_PG_URL (or pgUrl in config.json in the data folder).', readOnly(settings.pgServer ?? 'not set')),
      row('API key', 'Set with DEMENTIA_API_KEY (or apiKey in config.json).', readOnly(settings.apiKeySet ? 'set (hidden)' : 'not set')),
    ),
    importCard(ctx),
    exportCard(ctx),
  ];
}

function form(ctx: ViewContext, settings: SettingsView, reload: (next?: SettingsView) => void): Node[] {
  if (!settings.editable) return readOnlyForm(ctx, settings);
  const port = h('input', { class: 'input input-narrow', attrs: { type: 'number', name: 'port', min: '1024', max: '65535', value: String(settings.port) } });
  const pgUrl = h('input', {
    class: 'input',
    attrs: {
      type: 'password',
      name: 'pgUrl',
      autocomplete: 'off',
      placeholder: settings.pgServer ? `Saved: ${settings.pgServer}` : 'postgres://user:password@host:5432/db',
    },
  });
  const apiKey = h('input', {
    class: 'input',
    attrs: { type: 'password', name: 'apiKey', autocomplete: 'off', placeholder: settings.apiKeySet ? 'Saved (hidden)' : 'Your Dementia API key' },
  });
  const login = h('input', {
    class: 'switch',
    attrs: { type: 'checkbox', name: 'startAtLogin', role: 'switch', checked: settings.startAtLogin === true, disabled: settings.startAtLogin === null },
    on: {
      change: () =>
        void ctx
          .run(
            () => postJson<SettingsView>('/api/settings', { startAtLogin: login.checked }).then(reload),
            login.checked ? 'Starts at login' : 'Won’t start at login',
          )
          .then((ok) => {
            if (!ok) login.checked = !login.checked;
          }),
    },
  });
  const save = async () => {
    const patch: Record<string, unknown> = {};
    if (Number(port.value) !== settings.port) patch.port = Number(port.value);
    if (pgUrl.value.trim()) patch.pgUrl = pgUrl.value.trim();
    if (apiKey.value.trim()) patch.apiKey = apiKey.value.trim();
    if (Object.keys(patch).length === 0) return;
    await ctx.run(() => postJson<SettingsView>('/api/settings', patch).then(reload), 'Settings saved');
  };
  const clearSync = () => void ctx.run(() => postJson<SettingsView>('/api/settings', { pgUrl: null, apiKey: null }).then(reload), 'Sync settings removed');
  return [
    settings.note ? h('div', { class: 'banner banner-neutral' }, icon('alert'), h('span', { text: settings.note })) : null,
    restartBanner(ctx, settings),
    h(
      'div',
      { class: 'card settings-group' },
      h('h3', { class: 'card-title', text: 'General' }),
      row('Start at login', 'Opens in the tray when you log in.', login),
      row('Port', `The gateway listens on 127.0.0.1:${settings.runningPort}. Clients use this port in their config.`, port),
      // Chosen when the app starts (--data-dir, DEMENTIA_DATA_DIR): never editable on this page.
      row('Data folder', 'Set with --data-dir or DEMENTIA_DATA_DIR.', readOnly(h('code', { class: 'path', text: settings.dataDir }))),
      row('Handover after', 'A work session with no call for this long becomes a handover.', h('span', { text: `${settings.idleMinutes} min` })),
    ),
    h(
      'div',
      { class: 'card settings-group' },
      h('h3', { class: 'card-title', text: 'Hosted sync' }),
      h('p', {
        class: 'muted small',
        text: settings.secureStorage
          ? 'Stored encrypted by your operating system’s keychain; never shown again.'
          : 'Stored only where the operating system can encrypt it.',
      }),
      row('Postgres URL', settings.pgServer ? `Saved: ${settings.pgServer}` : 'Not set', pgUrl),
      row('API key', settings.apiKeySet ? 'Saved' : 'Not set', apiKey),
      h(
        'div',
        { class: 'form-actions' },
        settings.pgServer || settings.apiKeySet
          ? h('button', { class: 'btn btn-quiet', attrs: { type: 'button' }, on: { click: clearSync } }, 'Remove sync settings')
          : null,
        h('button', { class: 'btn btn-primary', attrs: { type: 'button' }, data: { action: 'save-settings' }, on: { click: () => void save() } }, 'Save'),
      ),
    ),
    importCard(ctx),
    exportCard(ctx),
  ].filter((node): node is HTMLElement => node !== null);
}

export const settingsView: View = {
  id: 'settings',
  title: 'Settings',
  icon: 'settings',
  keepOnUpdate: true,
  render(ctx) {
    const body = h('div', { class: 'stack' }, h('div', { class: 'card skeleton' }));
    const reload = (next?: SettingsView) => {
      const load = next ? Promise.resolve(next) : getJson<SettingsView>('/api/settings');
      void load.then(
        (settings) => body.replaceChildren(...form(ctx, settings, reload)),
        (error: Error) => body.replaceChildren(h('div', { class: 'banner banner-bad' }, icon('alert'), h('span', { text: error.message }))),
      );
    };
    reload();
    return h('section', { class: 'view' }, viewHeader('Settings', 'How the gateway runs on this machine.'), body);
  },
};

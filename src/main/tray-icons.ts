import { join } from 'node:path';

/**
 * The tray icon for this platform: macOS gets a black-and-alpha "Template" image that the menu
 * bar tints for light and dark mode (Electron picks the @2x file on Retina screens by itself);
 * Windows and Linux get the coloured icon. `resourcesDir` holds the tray/ folder (build/ in a
 * checkout, the app's resources folder when packaged).
 */
export function trayIconPath(platform: NodeJS.Platform, resourcesDir: string): string {
  return join(resourcesDir, 'tray', platform === 'darwin' ? 'trayTemplate.png' : 'tray.png');
}

/**
 * Credential kinds secretlint's recommended preset does not look for, each following one rule of
 * gitleaks (https://github.com/gitleaks/gitleaks, config/gitleaks.toml), simplified to JavaScript
 * regular expressions. Only these few: everything the preset covers is left to the preset.
 */
export interface ExtraRule {
  kind: string;
  pattern: RegExp;
  /** The capture group that is the secret itself (0: the whole match). */
  group: number;
  /** Further test of the captured secret (entropy, shape), to keep false alarms down. */
  accept?: (secret: string) => boolean;
}

/** Shannon entropy in bits per character, as gitleaks computes it for its `entropy` threshold. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

/** Values that name where a secret is rather than being one: ${VAR}, <placeholder>, env lookups. */
const REFERENCE = /^(?:\$|<|%|\{|process\.env|os\.environ|env\(|os\.getenv)|(?:example|placeholder|changeme|redacted|xxxx)/i;

export const EXTRA_RULES: readonly ExtraRule[] = [
  {
    // gitleaks rule "jwt": a header and a payload that are base64url JSON objects ("ey"), and a signature.
    kind: 'jwt',
    pattern: /\b(ey[A-Za-z0-9]{17,}\.ey[A-Za-z0-9/\\_-]{17,}\.(?:[A-Za-z0-9/\\_-]{10,}={0,2})?)(?=['"\s`;]|$)/g,
    group: 1,
  },
  {
    // gitleaks rule "gcp-api-key": Google API keys (the preset's GCP rule only reads service-account JSON files).
    kind: 'gcp-api-key',
    pattern: /\b(AIza[\w-]{35})(?=['"\s`;]|$)/g,
    group: 1,
  },
  {
    // gitleaks rule "azure-ad-client-secret": Entra ID (Azure AD) application secrets, "xxx8Q~...".
    kind: 'azure-client-secret',
    pattern: /(?:^|[\\'"`\s>=:(,)])([a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34})(?=$|[\\'"`\s<),])/g,
    group: 1,
  },
  {
    // gitleaks rule "generic-api-key": a name that says secret (key, token, password, ...) assigned a
    // value of high entropy (gitleaks' threshold 3.5 bits per character) that mixes letters and digits.
    // The value is read in a lookahead, so a rejected candidate ("key = `TOKEN=...`") does not
    // swallow the assignment inside it.
    kind: 'secret-assignment',
    pattern:
      /[\w.-]{0,50}?(?:access|auth|[Aa]pi|API|credential|creds|key|KEY|passw(?:or)?d|PASSW(?:OR)?D|secret|SECRET|token|TOKEN)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[`'"\s=]{0,5}(?=([\w.=+/!#%&*@^~-]{12,150})(?:[`'"\s;]|\\[nr]|$))/g,
    group: 1,
    accept: (secret) => !REFERENCE.test(secret) && /\d/.test(secret) && /[A-Za-z]/.test(secret) && shannonEntropy(secret) >= 3.5,
  },
];

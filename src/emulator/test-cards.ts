/**
 * The emulator's deterministic test cards (documented in the README). A card is chosen at
 * billing-key issuance, by card number or by an authKey of the form `auth_<alias>[_anything]`;
 * every charge on that billing key then behaves as listed, unless a script overrides it.
 */
export interface TestCard {
  alias: string;
  number: string;
  /** `APPROVE`, or the Toss error code every charge answers with. */
  chargeOutcome: string;
  /** The charge is approved, but the first response of each order is lost (a 500), as on a flaky network. */
  losesFirstResponse?: boolean;
  issuerCode: string;
  company: string;
  description: string;
}

export const TEST_CARDS: readonly TestCard[] = [
  { alias: 'approve', number: '4330000000000011', chargeOutcome: 'APPROVE', issuerCode: '4V', company: '비씨', description: 'always approves' },
  { alias: 'soft-decline', number: '4330000000000029', chargeOutcome: 'REJECT_CARD_PAYMENT', issuerCode: '11', company: '국민', description: 'declines: limit exceeded or insufficient balance (soft)' },
  { alias: 'hard-decline', number: '4330000000000037', chargeOutcome: 'INVALID_STOPPED_CARD', issuerCode: '41', company: '신한', description: 'declines: stopped card (hard)' },
  { alias: 'expired', number: '4330000000000045', chargeOutcome: 'INVALID_CARD_EXPIRATION', issuerCode: '51', company: '삼성', description: 'declines: expired card (hard)' },
  { alias: 'lost', number: '4330000000000052', chargeOutcome: 'INVALID_CARD_LOST_OR_STOLEN', issuerCode: '61', company: '현대', description: 'declines: lost or stolen (hard)' },
  { alias: 'lost-response', number: '4330000000000060', chargeOutcome: 'APPROVE', losesFirstResponse: true, issuerCode: '71', company: '롯데', description: 'approves, but the first response per order is a 500 FAILED_INTERNAL_SYSTEM_PROCESSING' },
];

export function testCardByNumber(cardNumber: string): TestCard | undefined {
  return TEST_CARDS.find((card) => card.number === cardNumber);
}

export function testCardByAuthKey(authKey: string): TestCard | undefined {
  const match = /^auth_([a-z-]+)(?:_[A-Za-z0-9_-]*)?$/.exec(authKey);
  return match ? TEST_CARDS.find((card) => card.alias === match[1]) : undefined;
}

/** An unknown but well-formed number behaves like the approving card, with its own masked number. */
export function cardForNumber(cardNumber: string): TestCard {
  const known = testCardByNumber(cardNumber);
  if (known) return known;
  return { ...TEST_CARDS[0]!, alias: 'custom', number: cardNumber, description: 'any other valid number approves' };
}

export function maskCardNumber(cardNumber: string): string {
  return `${cardNumber.slice(0, 8)}****${cardNumber.slice(12, 15)}*`;
}

export function luhnValid(cardNumber: string): boolean {
  if (!/^\d{15,16}$/.test(cardNumber)) return false;
  let sum = 0;
  for (let i = 0; i < cardNumber.length; i++) {
    let digit = Number(cardNumber[cardNumber.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/**
 * Independent local-time formatting for assertions (Intl, not the domain calendar), so a
 * calendar bug cannot hide behind the code under test.
 */
export function localDateTime(iso: string | number, timeZone = 'Asia/Seoul'): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)?.value;
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

export const DAY_MS = 24 * 60 * 60 * 1000;

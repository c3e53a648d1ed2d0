/** The Created column of `exp show`, as DVC formats it. */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** `HH:MM AM/PM` today, `Mon DD, YYYY` otherwise; ISO for CSV; fill when absent. */
export function formatTime(timestamp: string | Date | null | undefined, fill: string, iso: boolean, now: Date): string {
  if (timestamp === null || timestamp === undefined || timestamp === '') return fill
  const parts = timestampParts(timestamp)
  if (!parts) return String(timestamp)
  const pad = (n: number): string => String(n).padStart(2, '0')
  if (iso) {
    return typeof timestamp === 'string'
      ? timestamp
      : `${parts.year}-${pad(parts.month)}-${pad(parts.day)}T${pad(parts.hour)}:${pad(parts.minute)}:${pad(parts.second)}`
  }
  const today = parts.year === now.getFullYear() && parts.month === now.getMonth() + 1 && parts.day === now.getDate()
  if (today) {
    const hour12 = parts.hour % 12 === 0 ? 12 : parts.hour % 12
    return `${pad(hour12)}:${pad(parts.minute)} ${parts.hour < 12 ? 'AM' : 'PM'}`
  }
  return `${MONTHS[parts.month - 1]} ${pad(parts.day)}, ${parts.year}`
}

function timestampParts(
  timestamp: string | Date,
): { year: number; month: number; day: number; hour: number; minute: number; second: number } | undefined {
  if (timestamp instanceof Date) {
    return {
      year: timestamp.getFullYear(),
      month: timestamp.getMonth() + 1,
      day: timestamp.getDate(),
      hour: timestamp.getHours(),
      minute: timestamp.getMinutes(),
      second: timestamp.getSeconds(),
    }
  }
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(timestamp)
  if (!match) return undefined
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = match
  return { year: +y, month: +mo, day: +d, hour: +h, minute: +mi, second: +s }
}

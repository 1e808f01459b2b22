// The logs panel's text: last lines, newest at the bottom.

// Replaces the text only when it changed, and follows the end only if the
// reader was already there: scrolling up to read is not undone every 2 s.
export function renderLogs(pre, lines, { jumpToEnd = false, filtered = false } = {}) {
  const empty = filtered ? '(no line matches the filter)' : '(the log is empty)';
  const text = lines.length ? lines.join('\n') : empty;
  if (pre.textContent === text && !jumpToEnd) return;
  const atBottom = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 24;
  pre.textContent = text;
  if (atBottom || jumpToEnd) pre.scrollTop = pre.scrollHeight;
}

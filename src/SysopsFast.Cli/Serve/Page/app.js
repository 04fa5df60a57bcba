// The page of `sysops-fast serve`: runs a query line through GET /api/v1/query, reads the NDJSON
// answer as it streams, and draws it. Hand-written, no library: the binary embeds it as it is.
// Every string from the server goes into the page as text (textContent, text nodes), never as
// markup: key names and contents are whatever a host pushed.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const form = $('query-form');
  const input = $('q');
  const controls = { uniq: $('opt-uniq'), icase: $('opt-icase'), hosts: $('opt-hosts') };
  const shown = { rows: 5000, timelines: 500 };

  // ---- Elements, made from text only ----

  function el(tag, className, ...children) {
    const e = document.createElement(tag);
    if (className) {
      e.className = className;
    }
    for (const c of children) {
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function clear(node) {
    node.replaceChildren();
  }

  // ---- The query line: split as a POSIX shell splits words, as the server does ----

  function splitWords(line) {
    const words = [];
    let word = '';
    let inWord = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (c === "'") {
        const close = line.indexOf("'", i + 1);
        if (close < 0) {
          return null;
        }
        word += line.slice(i + 1, close);
        i = close;
        inWord = true;
      } else if (c === '"') {
        i++;
        while (i < line.length && line[i] !== '"') {
          if (line[i] === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1])) {
            i++;
          }
          word += line[i++];
        }
        if (i >= line.length) {
          return null;
        }
        inWord = true;
      } else if (c === '\\') {
        if (i + 1 < line.length) {
          word += line[++i];
        }
        inWord = true;
      } else if (/\s/.test(c)) {
        if (inWord) {
          words.push(word);
        }
        word = '';
        inWord = false;
      } else {
        word += c;
        inWord = true;
      }
    }
    if (inWord) {
      words.push(word);
    }
    return words;
  }

  function quoteWord(w) {
    return /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : "'" + w.replace(/'/g, "'\\''") + "'";
  }

  function joinWords(words) {
    return words.map(quoteWord).join(' ');
  }

  // Options before a "--" are options; after it every word is an operand (GNU's rule).
  function optionEnd(words) {
    const i = words.indexOf('--');
    return i < 0 ? words.length : i;
  }

  // The words without the option named by any of `names`; `takesValue`: its value goes too.
  function withoutOption(words, names, takesValue) {
    const end = optionEnd(words);
    const out = [];
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      if (i < end && names.includes(w)) {
        if (takesValue) {
          i++;
        }
        continue;
      }
      if (i < end && takesValue && names.some((n) => n.startsWith('--') && w.startsWith(n + '='))) {
        continue;
      }
      out.push(w);
    }
    return out;
  }

  function withOption(words, option) {
    const end = optionEnd(words);
    return [...words.slice(0, end), ...option, ...words.slice(end)];
  }

  function optionValue(words, names) {
    const end = optionEnd(words);
    for (let i = 0; i < end; i++) {
      if (names.includes(words[i])) {
        return words[i + 1] ?? '';
      }
      const eq = names.find((n) => n.startsWith('--') && words[i].startsWith(n + '='));
      if (eq) {
        return words[i].slice(eq.length + 1);
      }
    }
    return null;
  }

  const UNIQ = ['--uniq'];
  const ICASE = ['-i', '--ignore-case'];
  const SHOW_HOSTS = ['--show-hosts'];

  function hasFlag(words, names) {
    return words.slice(0, optionEnd(words)).some((w) => names.includes(w));
  }

  // The line's words drive the controls' state...
  function syncControls() {
    const words = splitWords(input.value);
    if (!words) {
      return;
    }
    controls.uniq.checked = hasFlag(words, UNIQ);
    controls.icase.checked = hasFlag(words, ICASE);
    const hosts = optionValue(words, SHOW_HOSTS);
    controls.hosts.value = hosts !== null && [...controls.hosts.options].some((o) => o.value === hosts) ? hosts : '';
  }

  // ...and a control's change edits the line.
  function editLine(edit) {
    const words = splitWords(input.value);
    if (!words) {
      return;
    }
    input.value = joinWords(edit(words));
  }

  function toggle(names, on) {
    return (words) => {
      const rest = withoutOption(words, names, false);
      return on ? withOption(rest, [names[0]]) : rest;
    };
  }

  function showHosts(value) {
    return (words) => {
      const rest = withoutOption(words, SHOW_HOSTS, true);
      return value ? withOption(rest, ['--show-hosts', value]) : rest;
    };
  }

  // ---- Talking to the server ----

  function apiUrl(line) {
    return '/api/v1/query?' + new URLSearchParams({ q: line });
  }

  function isEnd(record) {
    const keys = Object.keys(record);
    return keys.length === 1 && keys[0] === 'end';
  }

  // The CLI's one-line message: the server's detail, with the program's name as the CLI prints it.
  function cliLine(message) {
    return message.startsWith('sysops-fast') ? message : 'sysops-fast: ' + message;
  }

  async function problemOf(response) {
    try {
      const problem = await response.json();
      return problem.detail || problem.title || `HTTP ${response.status}`;
    } catch {
      return `HTTP ${response.status} ${response.statusText}`;
    }
  }

  // Calls onRecord for each line of the NDJSON body as it arrives; returns the end line's object.
  async function readAnswer(body, onRecord) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let pending = '';
    let end = null;
    const take = (text) => {
      if (text.trim() === '') {
        return;
      }
      const record = JSON.parse(text);
      if (isEnd(record)) {
        end = record.end;
      } else {
        onRecord(record);
      }
    };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        break;
      }
      pending += decoder.decode(value, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop();
      lines.forEach(take);
    }
    take(pending + decoder.decode());
    return end;
  }

  // Runs `line` and hands its records and end to the caller; errors come back as the CLI's line.
  async function query(line, signal, onRecord) {
    const response = await fetch(apiUrl(line), {
      signal,
      headers: { Accept: 'application/x-ndjson, application/problem+json' },
    });
    const type = response.headers.get('content-type') || '';
    if (!response.ok || type.includes('problem+json')) {
      return { error: cliLine(await problemOf(response)) };
    }
    const end = await readAnswer(response.body, onRecord);
    if (!end) {
      return { error: 'sysops-fast: the answer stopped before its end (the server went away?)' };
    }
    return { end };
  }

  // ---- Numbers as the CLI's bars print them ----

  const countText = (n) => n.toLocaleString('en-US');
  const plural = (n, word) => `${countText(n)} ${word}${n === 1 ? '' : 's'}`;

  function percentText(count, whole) {
    if (whole <= 0) {
      return '';
    }
    const p = (100 * count) / whole;
    return p > 0 && p < 0.05 ? '<0.1%' : p.toFixed(1) + '%';
  }

  // ---- One run of the page's query ----

  let running = null;

  function setStatus(text) {
    $('status').textContent = text;
  }

  function showError(text) {
    $('error').textContent = text;
  }

  function showMessages(messages) {
    const list = $('messages');
    clear(list);
    for (const m of messages || []) {
      list.append(el('li', '', cliLine(m)));
    }
  }

  function startProgress(commandName) {
    const started = performance.now();
    let records = 0;
    const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
    const draw = () => {
      $('progress-text').textContent = `${commandName}: ${countText(records)} records so far, ${seconds()} s`;
    };
    $('progress').hidden = false;
    $('stop').hidden = false;
    document.body.setAttribute('aria-busy', 'true');
    draw();
    const timer = setInterval(draw, 200);
    return {
      record() {
        records++;
      },
      stop() {
        clearInterval(timer);
        return { records, seconds: seconds() };
      },
    };
  }

  function hideProgress() {
    $('progress').hidden = true;
    $('stop').hidden = true;
    document.body.removeAttribute('aria-busy');
  }

  async function run(line) {
    if (running) {
      running.abort();
    }
    const controller = new AbortController();
    running = controller;
    showError('');
    showMessages([]);
    clear($('answer'));
    closeHosts();
    const words = splitWords(line) || [];
    const commandName = words[0] || 'query';
    setStatus(`Running ${commandName}…`);
    const progress = startProgress(commandName);
    const records = [];
    let result;
    try {
      result = await query(requestLine(words, line), controller.signal, (r) => {
        records.push(r);
        progress.record();
      });
    } catch (e) {
      result = { error: controller.signal.aborted ? null : cliLine(e.message || String(e)) };
    }
    const done = progress.stop();
    if (running !== controller) {
      return; // a newer query owns the page now
    }
    running = null;
    hideProgress();
    if (controller.signal.aborted) {
      setStatus(`Stopped after ${countText(done.records)} records, ${done.seconds} s.`);
    } else if (result.error) {
      showError(result.error);
      setStatus('The query failed.');
    } else {
      try {
        finish(words, line, records, result.end, done);
      } catch (e) {
        showError(cliLine(`the page could not draw this answer: ${e.message || e}`));
      }
    }
  }

  function finish(words, line, records, end, done) {
    if (end.outcome === 'error' && end.messages && end.messages.length) {
      showError(cliLine(end.messages[end.messages.length - 1]));
      showMessages(end.messages.slice(0, -1));
    } else {
      showMessages(end.messages);
    }
    render(words, line, records, end);
    setStatus(`${countText(done.records)} records in ${done.seconds} s, exit ${end.exit} (${end.outcome.replace('_', ' ')})`);
  }

  // ---- Drawing an answer ----

  function render(words, line, records, end) {
    const answer = $('answer');
    const command = words[0];
    if (records.length === 0) {
      answer.append(el('p', 'empty', end.outcome === 'no_match' ? 'Nothing matched.' : 'No records.'));
      return;
    }
    const first = records[0];
    if (command === 'grep' && 'count' in first && 'line' in first && 'hosts' in first) {
      answer.append(uniqBars(records, line, end));
    } else if (command === 'kv' && 'values' in first) {
      answer.append(...records.map((r) => kvKey(r, line)));
    } else if (command === 'compare-all' && 'md5' in first) {
      answer.append(...compareAllGroups(records));
    } else if (command === 'compare' && 'identical' in first) {
      answer.append(...records.map(compared));
    } else if (command === 'history' && 'version' in first) {
      answer.append(...historyTimelines(records));
    } else {
      answer.append(table(records));
    }
  }

  // grep --uniq's percentages are of the records searched, which the answer's rows do not say; the
  // cost of the query does (the keys it read), so the page asks for it. The URL keeps the line as typed.
  function requestLine(words, line) {
    const wantsWhole = words[0] === 'grep' && hasFlag(words, UNIQ) && !hasFlag(words, ['--cost']);
    return wantsWhole ? joinWords(withOption(words, ['--cost'])) : line;
  }

  // grep --uniq: what the percentages are of. The CLI divides by the records searched; the end line
  // names them when the server says so, else the keys its cost counted, else the largest count.
  function recordsSearched(records, end) {
    if (end && Number.isFinite(end.records)) {
      return end.records;
    }
    const keys = end && end.cost && end.cost.total && end.cost.total.keys;
    return Number.isFinite(keys) && keys > 0 ? keys : Math.max(...records.map((r) => r.count));
  }

  function uniqBars(records, line, end) {
    const whole = recordsSearched(records, end);
    const list = el('ol', 'bars');
    list.setAttribute('aria-label', 'Identical lines, most frequent first; each button lists its hosts');
    for (const r of records) {
      const text = lineText(r);
      list.append(bar(r.count, whole, text, () => listHosts(line, `hosts with the line “${text}”`, (rec) => lineText(rec) === text)));
    }
    return list;
  }

  function lineText(record) {
    return 'line' in record && record.line !== null ? record.line : base64Text(record.line_base64);
  }

  function base64Text(b64) {
    if (typeof b64 !== 'string') {
      return '';
    }
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return new TextDecoder().decode(bytes);
  }

  function valueText(value) {
    return value === null ? '(absent)' : value === '' ? '""' : value;
  }

  function kvKey(record, line) {
    const section = el('section', 'kv-key');
    section.append(el('h2', 'kv-name', record.key));
    const whole = record.values.reduce((sum, v) => sum + v.count, 0);
    const list = el('ol', 'bars');
    list.setAttribute('aria-label', `Values of ${record.key}; each button lists its hosts`);
    for (const v of record.values) {
      const what = `hosts with ${record.key} = ${valueText(v.value)}`;
      const matches = (rec) => rec.key === record.key && rec.values;
      list.append(bar(v.count, whole, valueText(v.value), () => listHosts(line, what, matches, v.value)));
    }
    section.append(list);
    return section;
  }

  function bar(count, whole, label, onClick) {
    const button = el('button', 'bar');
    button.type = 'button';
    button.setAttribute('aria-controls', 'hosts');
    const fill = el('span', 'fill');
    fill.style.width = whole > 0 ? `${Math.min(100, (100 * count) / whole)}%` : '0%';
    const track = el('span', 'track', fill);
    track.setAttribute('aria-hidden', 'true');
    button.append(el('span', 'count', countText(count)), track, el('span', 'pct', percentText(count, whole)), el('span', 'label', label));
    button.addEventListener('click', () => {
      document.querySelectorAll('.bar[aria-pressed="true"]').forEach((b) => b.setAttribute('aria-pressed', 'false'));
      button.setAttribute('aria-pressed', 'true');
      onClick();
    });
    button.setAttribute('aria-pressed', 'false');
    return el('li', '', button);
  }

  // A bar's hosts: the same query again with --show-hosts all, which names every host of each line
  // (or value) that the bar counted, and nothing else.
  let hostsRun = null;

  async function listHosts(line, what, matches, kvValue) {
    const words = splitWords(line);
    if (!words) {
      return;
    }
    if (hostsRun) {
      hostsRun.abort();
    }
    const controller = new AbortController();
    hostsRun = controller;
    const panel = $('hosts');
    const list = $('hosts-list');
    clear(list);
    panel.hidden = false;
    $('hosts-title').textContent = what.charAt(0).toUpperCase() + what.slice(1);
    $('hosts-status').textContent = 'Listing the hosts…';
    $('hosts-title').focus();
    const hostsLine = joinWords(withOption(withoutOption(words, SHOW_HOSTS, true), ['--show-hosts', 'all']));
    let hosts = null;
    try {
      const result = await query(hostsLine, controller.signal, (r) => {
        if (hosts === null && matches(r)) {
          hosts = kvValue === undefined ? r.hosts : (r.values.find((v) => v.value === kvValue) || { hosts: [] }).hosts;
        }
      });
      if (result.error) {
        $('hosts-status').textContent = result.error;
        return;
      }
    } catch (e) {
      if (!controller.signal.aborted) {
        $('hosts-status').textContent = cliLine(e.message || String(e));
      }
      return;
    }
    if (hostsRun !== controller) {
      return; // another bar was pressed meanwhile
    }
    hosts = (hosts || []).slice().sort();
    $('hosts-status').textContent = plural(hosts.length, 'host');
    for (const h of hosts) {
      list.append(el('li', '', h));
    }
  }

  function closeHosts() {
    if (hostsRun) {
      hostsRun.abort();
      hostsRun = null;
    }
    $('hosts').hidden = true;
    document.querySelectorAll('.bar[aria-pressed="true"]').forEach((b) => b.setAttribute('aria-pressed', 'false'));
  }

  // compare-all: one group per md5, the majority first, each other group with its coloured diff.
  function compareAllGroups(groups) {
    return groups.map((g, i) => {
      const section = el('section', g.majority ? 'group majority' : 'group');
      const head = g.majority
        ? `majority: ${countText(g.count)} keys with md5 ${g.md5}, e.g. ${g.sample}`
        : `group ${i + 1} of ${groups.length}: ${countText(g.count)} keys with md5 ${g.md5}, e.g. ${g.sample}`;
      section.append(el('h2', 'group-head', head), historyLinks([g.sample]));
      section.append(hostDetails(g.hosts || g.keys || []));
      if (!g.majority) {
        section.append(diffBlock(g, 'Unified diff against the majority'));
      }
      return section;
    });
  }

  function hostDetails(hosts) {
    const details = el('details', 'group-hosts');
    details.append(el('summary', '', plural(hosts.length, 'host')));
    const list = el('ul', 'host-list');
    for (const h of hosts) {
      list.append(el('li', '', h));
    }
    details.append(list);
    return details;
  }

  function compared(r) {
    if (r.identical) {
      return el('p', 'identical', `contents of ${r.reference} and ${r.key} are identical `, historyLinks([r.reference, r.key]));
    }
    const section = el('section', 'group');
    section.append(el('h2', 'group-head', `${r.reference} and ${r.key} differ`), historyLinks([r.reference, r.key]));
    section.append(diffBlock(r, `Unified diff of ${r.key} against ${r.reference}`));
    return section;
  }

  // A unified diff, each line coloured by its first character (the character stays: colour is not the only sign).
  function diffBlock(record, label) {
    const text = record.diff !== undefined && record.diff !== null ? record.diff : base64Text(record.diff_base64);
    const pre = el('pre', 'diff');
    pre.setAttribute('tabindex', '0');
    pre.setAttribute('aria-label', label);
    const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
    for (const l of lines) {
      const kind = l.startsWith('+++') || l.startsWith('---') ? 'file' : l.startsWith('@@') ? 'hunk' : l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : 'same';
      pre.append(el('span', kind, l + '\n'));
    }
    return pre;
  }

  // ---- history: a timeline per key ----

  // A key as a pattern that matches only itself: history reads a pattern with '#' as a key glob.
  function globQuote(key) {
    return key.replace(/[*?[\\]/g, '\\$&');
  }

  function historyLine(key) {
    return joinWords(['history', globQuote(key)]);
  }

  // A link that runs `history KEY`: an address like any answer's, opened in this page.
  function historyLink(key) {
    const line = historyLine(key);
    const a = el('a', 'history-link', 'history');
    a.href = '/?' + new URLSearchParams({ q: line });
    a.setAttribute('aria-label', `History of ${key}`);
    a.addEventListener('click', (e) => {
      if (e.button === 0 && !e.ctrlKey && !e.metaKey && !e.shiftKey) {
        e.preventDefault();
        go(line);
      }
    });
    return a;
  }

  function historyLinks(keys) {
    const span = el('span', 'history-links');
    keys.filter((k) => typeof k === 'string' && k.includes('#')).forEach((k, i) => {
      if (i > 0) {
        span.append(' ');
      }
      span.append(historyLink(k));
    });
    return span;
  }

  // Versions with the same contents share a tag (A, B, … in the order first met) and its colour.
  function md5Tags() {
    const tags = new Map();
    return (md5) => {
      if (!md5) {
        return null;
      }
      if (!tags.has(md5)) {
        const n = tags.size;
        tags.set(md5, { name: (n >= 26 ? String.fromCharCode(65 + Math.floor(n / 26) - 1) : '') + String.fromCharCode(65 + (n % 26)), colour: n % 8 });
      }
      return tags.get(md5);
    };
  }

  function historyTimelines(records) {
    const byKey = new Map();
    for (const r of records) {
      if (!byKey.has(r.key)) {
        byKey.set(r.key, []);
      }
      byKey.get(r.key).push(r);
    }
    const tagOf = md5Tags();
    const drawn = [...byKey].slice(0, shown.timelines).map(([key, versions], n) => timeline(key, versions, tagOf, `tl${n}`));
    if (byKey.size > shown.timelines) {
      drawn.push(el('p', 'help', `The first ${countText(shown.timelines)} of ${countText(byKey.size)} keys are drawn; narrow the pattern to see the others.`));
    }
    return drawn;
  }

  // 2026-12-01 10:00:00Z: the CLI's ISO time, to the second, easier to read.
  function shortTime(iso) {
    return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  }

  function changeText(v) {
    if (v.error) {
      return `corrupt: ${v.error}`;
    }
    if (Number.isFinite(v.added)) {
      return `+${countText(v.added)} −${countText(v.removed)}`;
    }
    return v.version === 0 ? 'current' : v.omitted ? 'omitted' : '';
  }

  function versionLabel(key, v, tag) {
    const when = v.inserted ? shortTime(v.inserted) : 'time unknown';
    const what = !v.md5 ? 'header unreadable' : v.error ? `md5 ${v.md5.slice(0, 8)}, ${countText(v.size)} bytes` : `md5 ${v.md5.slice(0, 8)} (contents ${tag.name}), ${countText(v.size)} bytes`;
    return `Version ${v.version} of ${key}, stored ${when}, ${what}, ${changeText(v)}`;
  }

  function timeline(key, versions, tagOf, id) {
    const section = el('section', 'timeline');
    const title = el('h2', 'timeline-key', key);
    title.id = `${id}-title`;
    section.setAttribute('aria-labelledby', title.id);
    section.append(title);
    const timed = versions.filter((v) => v.inserted).map((v) => Date.parse(v.inserted));
    const [oldest, newest] = [Math.min(...timed), Math.max(...timed)];
    const place = (v) => (newest > oldest ? (100 * (Date.parse(v.inserted) - oldest)) / (newest - oldest) : 100);
    const axis = el('div', 'axis');
    axis.setAttribute('aria-hidden', 'true');
    axis.append(el('span', 'axis-line'));
    const list = el('ol', 'versions');
    list.setAttribute('aria-label', `Versions of ${key}, newest first; each button shows what the next newer version changed`);
    const panel = el('div', 'version-diff');
    panel.id = `${id}-diff`;
    panel.hidden = true;
    const select = versionSelector(key, section, panel);
    for (const v of versions) {
      // A corrupt version is marked '!' instead of a tag: its contents cannot be read.
      const tag = (!v.error && tagOf(v.md5)) || { name: '?', colour: 'x' };
      const mark = v.error ? '!' : tag.name;
      if (v.inserted) {
        const dot = el('span', `dot tag-${tag.colour}${v.error ? ' corrupt' : ''}`, mark);
        dot.style.left = `${place(v)}%`;
        dot.dataset.version = v.version;
        dot.title = versionLabel(key, v, tag);
        dot.addEventListener('click', () => select(v));
        axis.append(dot);
      }
      const button = el('button', `version${v.error ? ' corrupt' : ''}`,
        el('span', `tag tag-${tag.colour}`, mark),
        el('span', 'v-index', `#${v.version}`),
        el('span', 'v-time', v.inserted ? shortTime(v.inserted) : '—'),
        el('span', 'v-md5', v.md5 ? v.md5.slice(0, 8) : ''),
        el('span', 'v-size', v.md5 ? `${countText(v.size)} B` : ''),
        el('span', 'v-change', changeText(v)));
      button.type = 'button';
      button.dataset.version = v.version;
      button.setAttribute('aria-label', versionLabel(key, v, tag));
      button.setAttribute('aria-pressed', 'false');
      button.setAttribute('aria-controls', panel.id);
      button.addEventListener('click', () => select(v));
      list.append(el('li', '', button));
    }
    const end = (t) => el('span', '', timed.length ? shortTime(new Date(t).toISOString()) : '');
    const ends = el('div', 'axis-ends', end(oldest), end(newest));
    ends.setAttribute('aria-hidden', 'true');
    section.append(axis, ends, list, panel);
    return section;
  }

  // Selecting a version shows its diff against the next newer one: `history KEY --diff`, read once per key.
  function versionSelector(key, section, panel) {
    let diffs = null;
    return async (v) => {
      section.querySelectorAll('.version').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.version === String(v.version))));
      section.querySelectorAll('.dot').forEach((d) => d.classList.toggle('selected', d.dataset.version === String(v.version)));
      const heading = el('h3', '', v.version === 0 ? `Version 0 of ${key}: the current record` : `What changed from version ${v.version} to version ${v.version - 1}`);
      heading.tabIndex = -1;
      const status = el('p', 'help', '');
      status.setAttribute('role', 'status');
      panel.replaceChildren(heading, status);
      panel.hidden = false;
      heading.focus();
      const said = versionNote(v);
      if (said) {
        status.textContent = said;
        return;
      }
      status.textContent = 'Reading the diff…';
      if (!diffs) {
        diffs = readDiffs(key);
      }
      const found = await diffs;
      if (found.error) {
        diffs = null; // a later selection tries again
        status.textContent = found.error;
        return;
      }
      const record = found.versions.get(v.version);
      if (!record || (record.diff === null && record.diff_base64 === undefined)) {
        status.textContent = record ? 'No diff: this version or the next newer one cannot be rebuilt, or their contents are the same.' : 'This version is no longer kept.';
        return;
      }
      status.textContent = `${changeText(record)} against version ${v.version - 1}`;
      panel.append(diffBlock(record, `Unified diff of version ${v.version} of ${key} against version ${v.version - 1}`));
    };
  }

  // What a version that has no diff to show says instead.
  function versionNote(v) {
    if (v.version === 0) {
      return 'Nothing newer to compare it with; choose an older version to see what the next one changed.';
    }
    if (v.error) {
      return `This version cannot be rebuilt: ${v.error}`;
    }
    return '';
  }

  async function readDiffs(key) {
    const versions = new Map();
    try {
      const result = await query(joinWords(['history', globQuote(key), '--diff']), undefined, (r) => {
        if (r.key === key) {
          versions.set(r.version, r);
        }
      });
      return result.error ? { error: result.error } : { versions };
    } catch (e) {
      return { error: cliLine(e.message || String(e)) };
    }
  }

  // search, list-files, info, plain grep lines and the rest: a table, sorted by a header's button.
  function cellText(v) {
    if (v === null || v === undefined) {
      return '';
    }
    if (Array.isArray(v)) {
      return v.map(cellText).join(' ');
    }
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  }

  function table(records) {
    const columns = [];
    for (const r of records.slice(0, 100)) {
      for (const k of Object.keys(r)) {
        if (!columns.includes(k)) {
          columns.push(k);
        }
      }
    }
    const wrap = el('div', 'table-wrap');
    wrap.setAttribute('role', 'region');
    wrap.setAttribute('aria-label', 'Answer table');
    wrap.setAttribute('tabindex', '0');
    const tableEl = el('table', 'records');
    const headRow = el('tr');
    const body = el('tbody');
    let rows = records.slice();
    const fill = () => {
      clear(body);
      for (const r of rows.slice(0, shown.rows)) {
        const tr = el('tr');
        for (const c of columns) {
          const v = r[c];
          const td = el('td', typeof v === 'number' ? 'num' : '', cellText(v));
          if (c === 'key' && typeof v === 'string' && v.includes('#')) {
            td.append(' ', historyLink(v));
          }
          tr.append(td);
        }
        body.append(tr);
      }
    };
    columns.forEach((c) => {
      const th = el('th', typeof records[0][c] === 'number' ? 'num' : '');
      th.setAttribute('scope', 'col');
      th.setAttribute('aria-sort', 'none');
      const button = el('button', 'sort', c);
      button.type = 'button';
      button.addEventListener('click', () => {
        const ascending = th.getAttribute('aria-sort') !== 'ascending';
        headRow.querySelectorAll('th').forEach((h) => h.setAttribute('aria-sort', 'none'));
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        rows = records.slice().sort((a, b) => compareCells(a[c], b[c]) * (ascending ? 1 : -1));
        fill();
      });
      th.append(button);
      headRow.append(th);
    });
    tableEl.append(el('thead', '', headRow), body);
    fill();
    wrap.append(tableEl);
    const parts = [wrap];
    if (records.length > shown.rows) {
      parts.push(el('p', 'help', `The first ${countText(shown.rows)} of ${countText(records.length)} rows are shown; sorting takes every row.`));
    }
    const box = el('div', 'table-box');
    box.append(...parts);
    return box;
  }

  function compareCells(a, b) {
    if (typeof a === 'number' && typeof b === 'number') {
      return a - b;
    }
    const x = cellText(a);
    const y = cellText(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }

  // ---- The page's URL holds the query ----

  function queryOfUrl() {
    return new URLSearchParams(location.search).get('q') || '';
  }

  function show(line) {
    input.value = line;
    syncControls();
    document.title = line ? `${line} — sysops-fast` : 'sysops-fast';
    if (line.trim()) {
      run(line);
    } else {
      clear($('answer'));
    }
  }

  // Runs a line as an answer of its own: in the address (a new history entry unless it is the same) and shown.
  function go(line) {
    const url = '/?' + new URLSearchParams({ q: line });
    if (line === queryOfUrl()) {
      history.replaceState(null, '', url);
    } else {
      history.pushState(null, '', url);
    }
    show(line);
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const line = input.value.trim();
    if (line) {
      go(line);
    }
  });
  window.addEventListener('popstate', () => show(queryOfUrl()));
  input.addEventListener('input', syncControls);
  controls.uniq.addEventListener('change', () => editLine(toggle(UNIQ, controls.uniq.checked)));
  controls.icase.addEventListener('change', () => editLine(toggle(ICASE, controls.icase.checked)));
  controls.hosts.addEventListener('change', () => editLine(showHosts(controls.hosts.value)));
  $('stop').addEventListener('click', () => running && running.abort());
  $('hosts-close').addEventListener('click', () => {
    const pressed = document.querySelector('.bar[aria-pressed="true"]');
    closeHosts();
    (pressed || input).focus();
  });
  document.addEventListener('keydown', (e) => {
    const diffPanel = document.activeElement && document.activeElement.closest('.version-diff');
    if (e.key === 'Escape' && diffPanel) {
      // Back to the version whose diff this is.
      const pressed = diffPanel.closest('.timeline').querySelector('.version[aria-pressed="true"]');
      (pressed || input).focus();
    } else if (e.key === 'Escape' && !$('hosts').hidden) {
      $('hosts-close').click();
    } else if (e.key === 'Escape' && running) {
      running.abort();
    }
  });

  show(queryOfUrl());
})();

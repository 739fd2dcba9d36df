/* global document, setTimeout, clearTimeout, fetch, EventSource */
// chartbridge's only script: hospital search as you type and live sync progress. Same origin, no inline code,
// and every value from the server is written with textContent, never as markup.
'use strict';

function startLiveSearch(input) {
  const list = document.getElementById(input.dataset.target);
  const status = document.getElementById(input.dataset.status);
  const linkBase = input.dataset.linkBase;
  if (!list || !status) return;
  let timer;
  let latest = 0;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const query = input.value.trim().slice(0, 100);
      const ticket = ++latest;
      const response = await fetch(`/directory/search?q=${encodeURIComponent(query)}`, {
        headers: { accept: 'application/json' },
      });
      if (!response.ok || ticket !== latest) return;
      const body = await response.json();
      showHospitals(list, body.results, linkBase);
      status.textContent = `${body.results.length} hospital${body.results.length === 1 ? '' : 's'} found`;
    }, 150);
  });
}

function showHospitals(list, results, linkBase) {
  list.replaceChildren(
    ...results.map((hospital) => {
      const item = document.createElement('li');
      const name = document.createElement('span');
      name.textContent = hospital.city ? `${hospital.name} · ${hospital.city}` : hospital.name;
      const link = document.createElement('a');
      link.className = 'button';
      link.href = linkBase + encodeURIComponent(hospital.organizationId);
      link.textContent = 'Connect';
      link.setAttribute('aria-label', `Connect ${hospital.name}`);
      item.append(name, link);
      return item;
    }),
  );
}

const count = new Intl.NumberFormat('en-US');

function items(n) {
  return `${count.format(n)} item${n === 1 ? '' : 's'}`;
}

function startProgress(box) {
  const leave = document.querySelector('[data-progress-leave]');
  const heading = document.querySelector('[data-progress-heading]');
  const bar = box.querySelector('progress');
  const text = box.querySelector('[data-progress-text]');
  const done = box.querySelector('[data-progress-done]');
  const events = new EventSource(box.dataset.events);
  events.addEventListener('waiting', () => {
    text.textContent = 'Getting ready to read your record…';
  });
  events.addEventListener('progress', (event) => {
    const p = JSON.parse(event.data);
    bar.max = Math.max(1, p.queriesTotal);
    bar.value = p.queriesDone;
    text.textContent = `Reading your record: ${p.queriesDone} of ${p.queriesTotal} searches, ${items(p.resources)} so far`;
  });
  events.addEventListener('done', (event) => {
    const d = JSON.parse(event.data);
    events.close();
    bar.max = 1;
    bar.value = 1;
    text.textContent = d.message;
    if (heading) heading.textContent = d.heading;
    if (leave) leave.hidden = true;
    if (d.status === 'needs_reauth') {
      const link = done.querySelector('a');
      link.href = '/my';
      link.textContent = 'Reconnect from My hospitals';
    }
    done.hidden = false;
  });
  events.onerror = () => {
    events.close();
    text.textContent = 'Lost contact with the server. Reload the page to see where the sync is.';
  };
}

for (const input of document.querySelectorAll('[data-live-search]')) startLiveSearch(input);
for (const box of document.querySelectorAll('[data-progress]')) startProgress(box);

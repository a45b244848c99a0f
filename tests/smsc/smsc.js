#!/usr/bin/env node
// A third-party SMSC for buurtbel's SMPP interop suite (tests/sms_smpp.rs), on the npm `smpp`
// package's server (`smpp.createServer`), so that our client is checked against an SMPP
// implementation we did not write.
//
//   node smsc.js [PORT] [SYSTEM_ID] [PASSWORD]
//
// PORT 0 (the default) picks a free port. The first line on stdout is the port; every later
// line is an answer to a command. Commands, one per line on stdin:
//
//   mo <from> <to> <text…>   send a mobile-originated deliver_sm (from: E.164, "+" optional)
//   mo-parts <from> <to> <n> <text…>
//                            the same text as n concatenated parts (8-bit reference 42)
//   drop                     destroy every session's socket now
//   drop after <n>           answer n more submit_sm, then destroy every session's socket
//                            (the submit_sm after those get no answer)
//   stall <n>                leave the next n submit_sm unanswered
//   mute                     the sessions bound now answer nothing more (enquire_link
//                            included) but keep their sockets open; new sessions answer
//   refuse <status> <n>      answer the next n submit_sm with command_status <status>
//                            (decimal or 0x…) and no message id
//   stats                    one JSON line per message received, reassembled from its parts:
//                            {"kind":"message","to","text","parts","ids"}, then
//                            {"kind":"end","issued":[every message id answered],
//                             "deliver_resps":[command_status of each deliver_sm_resp],
//                             "binds":n,"refused_binds":n,"unbinds":n}
//
// After answering each submit_sm it sends a delivery receipt for that part (esm_class 0x04,
// the `id:… stat:DELIVRD` text and the receipted_message_id / message_state TLVs). A
// deliver_sm answered with ESME_RX_T_APPN (0x64, try later) is sent again, up to 3 times,
// as an SMSC does.
'use strict';

const readline = require('readline');
const smpp = require('smpp');

const port = Number(process.argv[2] || 0);
const systemId = process.argv[3] || 'buurtbel';
const password = process.argv[4] || 'geheim';

const sessions = new Set();
const parts = new Map(); // "to/reference" -> {total, texts: [], ids: []}
const messages = [];
const issued = [];
const deliverResps = [];
let binds = 0;
let refusedBinds = 0;
let unbinds = 0;
let nextId = 1;
let dropAfter = null; // submit_sm still to answer before dropping every session
let refusal = { status: 0, count: 0 }; // the next `count` submit_sm get `status`
let stalls = 0; // the next `stalls` submit_sm get no answer

function out(object) {
  process.stdout.write(JSON.stringify(object) + '\n');
}

const dropped = new WeakSet(); // PDUs already read from a dropped session get no answer
const muted = new WeakSet(); // sessions that answer nothing

function dropAll() {
  for (const session of sessions) {
    dropped.add(session);
    session.destroy();
  }
  sessions.clear();
}

function concatenation(udhList) {
  for (const element of udhList || []) {
    if (element[0] === 0x00 && element.length >= 5) {
      return { reference: element[2], total: element[3], sequence: element[4] };
    }
    if (element[0] === 0x08 && element.length >= 6) {
      return { reference: element.readUInt16BE(2), total: element[4], sequence: element[5] };
    }
  }
  return null;
}

function record(pdu, id) {
  const body = pdu.short_message || {};
  const text = typeof body === 'string' ? body : String(body.message || '');
  const concat = concatenation(body.udh);
  if (!concat) {
    messages.push({ kind: 'message', to: pdu.destination_addr, text, parts: 1, ids: [id] });
    return;
  }
  const key = pdu.destination_addr + '/' + concat.reference;
  const entry = parts.get(key) || { total: concat.total, texts: [], ids: [] };
  entry.texts[concat.sequence - 1] = text;
  entry.ids[concat.sequence - 1] = id;
  parts.set(key, entry);
  if (entry.texts.filter((t) => t !== undefined).length === entry.total) {
    parts.delete(key);
    messages.push({
      kind: 'message',
      to: pdu.destination_addr,
      text: entry.texts.join(''),
      parts: entry.total,
      ids: entry.ids,
    });
  }
}

function deliver(session, options, tries = 0) {
  session.deliver_sm(options, (resp) => {
    deliverResps.push(resp.command_status);
    if (resp.command_status === smpp.ESME_RX_T_APPN && tries < 3) {
      setTimeout(() => deliver(session, options, tries + 1), 20);
    }
  });
}

function receipt(session, pdu, id) {
  const stamp = '2612031200';
  deliver(session, {
    source_addr_ton: pdu.dest_addr_ton,
    source_addr_npi: pdu.dest_addr_npi,
    source_addr: pdu.destination_addr,
    dest_addr_ton: pdu.source_addr_ton,
    dest_addr_npi: pdu.source_addr_npi,
    destination_addr: pdu.source_addr,
    esm_class: 0x04,
    data_coding: 0,
    short_message: `id:${id} sub:001 dlvr:001 submit date:${stamp} done date:${stamp} stat:DELIVRD err:000 text:`,
    receipted_message_id: id,
    message_state: 2,
  });
}

function onSubmit(session, pdu) {
  if (dropped.has(session) || muted.has(session)) {
    return;
  }
  if (stalls > 0) {
    stalls -= 1;
    return;
  }
  if (refusal.count > 0) {
    refusal.count -= 1;
    session.send(pdu.response({ command_status: refusal.status }));
    return;
  }
  if (dropAfter !== null) {
    if (dropAfter <= 0) {
      dropAfter = null;
      dropAll();
      return;
    }
    dropAfter -= 1;
  }
  const id = 'B' + String(nextId++).padStart(8, '0');
  issued.push(id);
  record(pdu, id);
  session.send(pdu.response({ message_id: id }));
  if (pdu.registered_delivery & 0x01) {
    setTimeout(() => receipt(session, pdu, id), 20);
  }
}

const server = smpp.createServer((session) => {
  let bound = false;
  sessions.add(session);
  session.on('close', () => sessions.delete(session));
  session.on('error', () => sessions.delete(session));
  session.on('bind_transceiver', (pdu) => {
    if (pdu.system_id !== systemId || pdu.password !== password) {
      refusedBinds += 1;
      session.send(pdu.response({ command_status: smpp.ESME_RINVPASWD }));
      session.close();
      return;
    }
    binds += 1;
    bound = true;
    session.send(pdu.response({ system_id: 'TESTSMSC' }));
  });
  session.on('enquire_link', (pdu) => {
    if (!muted.has(session)) {
      session.send(pdu.response());
    }
  });
  session.on('unbind', (pdu) => {
    unbinds += 1;
    session.send(pdu.response());
    session.close();
  });
  session.on('submit_sm', (pdu) => {
    if (!bound) {
      session.send(pdu.response({ command_status: smpp.ESME_RINVBNDSTS }));
      return;
    }
    onSubmit(session, pdu);
  });
});

function mobileOriginated(from, to, text, parts = 1) {
  const size = Math.ceil(text.length / parts);
  for (const session of sessions) {
    for (let n = 1; n <= parts; n++) {
      const chunk = text.slice((n - 1) * size, n * size);
      deliver(session, {
        source_addr_ton: 1,
        source_addr_npi: 1,
        source_addr: from.replace(/^\+/, ''),
        dest_addr_ton: 1,
        dest_addr_npi: 1,
        destination_addr: to.replace(/^\+/, ''),
        esm_class: 0,
        data_coding: 0,
        short_message: parts === 1 ? chunk : { udh: Buffer.from([5, 0, 3, 42, parts, n]), message: chunk },
      });
    }
  }
}

function command(line) {
  const words = line.trim().split(/\s+/);
  if (words[0] === 'mo-parts' && words.length >= 5) {
    mobileOriginated(words[1], words[2], words.slice(4).join(' '), Number(words[3]));
    out({ kind: 'ok' });
  } else if (words[0] === 'mo' && words.length >= 4) {
    mobileOriginated(words[1], words[2], words.slice(3).join(' '));
    out({ kind: 'ok' });
  } else if (words[0] === 'drop' && words[1] === 'after' && words.length === 3) {
    dropAfter = Number(words[2]);
    out({ kind: 'ok' });
  } else if (words[0] === 'mute') {
    for (const session of sessions) {
      muted.add(session);
    }
    out({ kind: 'ok' });
  } else if (words[0] === 'stall' && words.length === 2) {
    stalls = Number(words[1]);
    out({ kind: 'ok' });
  } else if (words[0] === 'refuse' && words.length === 3) {
    refusal = { status: Number(words[1]), count: Number(words[2]) };
    out({ kind: 'ok' });
  } else if (words[0] === 'drop') {
    dropAll();
    out({ kind: 'ok' });
  } else if (words[0] === 'stats') {
    for (const message of messages) {
      out(message);
    }
    out({ kind: 'end', issued, deliver_resps: deliverResps, binds, refused_binds: refusedBinds, unbinds });
  } else if (line.trim() !== '') {
    out({ kind: 'error', line });
  }
}

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(String(server.address().port) + '\n');
  const input = readline.createInterface({ input: process.stdin });
  input.on('line', command);
  input.on('close', () => process.exit(0));
});

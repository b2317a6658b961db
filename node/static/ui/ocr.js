// The site menu's OCR field, checked as it is typed or scanned (a barcode reader types
// the digits and Enter). A mirror of vrs_protocol::OcrLine::parse: 18 digits, dose number
// (2nd digit) not 0, municipality code (digits 3-8) with its check digit
// (s = 6a+5b+4c+3d+2e, check = (11 - s mod 11) mod 10). The server checks again, and
// also that the code is a real municipality; tests compare this with the Rust parser.
(function () {
  'use strict';

  function normalize(s) {
    return s.replace(/[０-９]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFF10 + 48); })
      .replace(/[\s\-ー－]/g, '');
  }

  function municipalityCheckDigit(body) {
    var s = 0;
    for (var i = 0; i < 5; i++) { s += (6 - i) * (body.charCodeAt(i) - 48); }
    return (11 - (s % 11)) % 10;
  }

  // 'ok', or why not, in OcrLine::parse's order: 'length' | 'digits' | 'dose' | 'check'.
  function check(line) {
    var s = normalize(line);
    if (s.length !== 18) { return 'length'; }
    if (!/^\d{18}$/.test(s)) { return 'digits'; }
    if (s.charAt(1) === '0') { return 'dose'; }
    if (municipalityCheckDigit(s.substr(2, 5)) !== s.charCodeAt(7) - 48) { return 'check'; }
    return 'ok';
  }

  window.vrsOcr = { check: check, normalize: normalize };

  document.addEventListener('DOMContentLoaded', function () {
    var input = document.getElementById('ocr');
    var status = document.getElementById('ocr-status');
    if (!input || !status) { return; }
    var form = input.form;

    function show() {
      var s = normalize(input.value);
      var verdict = check(s);
      var typing = verdict === 'length' && s.length < 18 && !/\D/.test(s);
      status.className = 'ocr-status';
      if (s.length === 0) { status.textContent = ''; return verdict; }
      if (verdict === 'ok') {
        status.textContent = status.dataset.ok.replace('{}', s.substr(2, 6)).replace('{}', s.charAt(1));
        status.classList.add('ok');
      } else if (typing) {
        status.textContent = status.dataset.count.replace('{}', s.length);
      } else {
        status.textContent = /\D/.test(s) ? status.dataset.digits : status.dataset[verdict];
        status.classList.add('bad');
      }
      input.setAttribute('aria-invalid', verdict === 'ok' || typing ? 'false' : 'true');
      return verdict;
    }

    input.addEventListener('input', show);
    // Enter (typed, or sent by the scanner) submits only a well-formed line.
    form.addEventListener('submit', function (e) {
      if (show() !== 'ok') {
        e.preventDefault();
        if (check(input.value) === 'length') {
          status.textContent = status.dataset.length;
          status.classList.add('bad');
        }
        input.select();
      }
    });
    show();
  });
})();

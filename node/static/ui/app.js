// Small behaviours every page shares, wired by data attributes (no inline handlers: the
// Content-Security-Policy forbids them).
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('[data-print]').forEach(function (b) {
    b.addEventListener('click', function () { window.print(); });
  });
  // A form whose submission needs a second thought asks for it.
  document.querySelectorAll('form[data-confirm]').forEach(function (f) {
    f.addEventListener('submit', function (e) {
      if (!window.confirm(f.dataset.confirm)) { e.preventDefault(); }
    });
  });
  // Forms are sent once: a double tap on a tablet must not send a dose twice.
  // (Marked after every other handler has had its say: one may still cancel the submit.)
  document.querySelectorAll('form[method=post]').forEach(function (f) {
    f.addEventListener('submit', function (e) {
      if (f.dataset.sent) { e.preventDefault(); return; }
      setTimeout(function () { if (!e.defaultPrevented) { f.dataset.sent = '1'; } }, 0);
    });
  });
});
// A page shown again from the back-forward cache may be sent again.
window.addEventListener('pageshow', function () {
  document.querySelectorAll('form[data-sent]').forEach(function (f) { delete f.dataset.sent; });
});

// Uploads the file of a form[data-upload] as the request body (the form of the API), with
// a progress bar, the session's CSRF token in a header, and choices marked data-query in
// the query string (never anything personal). The answer is either an HTML fragment put
// into the page (data-result="html") or a CSV offered for download (data-result="download").
(function () {
  'use strict';
  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('form[data-upload]').forEach(function (form) {
      form.addEventListener('submit', function (e) {
        e.preventDefault();
        var file = form.querySelector('input[type=file]').files[0];
        if (!file) { return; }
        var params = [];
        form.querySelectorAll('[data-query]').forEach(function (el) {
          if ((el.type === 'radio' || el.type === 'checkbox') && !el.checked) { return; }
          params.push(encodeURIComponent(el.name) + '=' + encodeURIComponent(el.value));
        });
        var charset = form.querySelector('[data-charset]');
        var bar = form.querySelector('progress');
        var status = form.querySelector('[data-sending]');
        var button = form.querySelector('button[type=submit]');
        var target = document.getElementById(form.dataset.target);
        var xhr = new XMLHttpRequest();
        xhr.open('POST', form.dataset.upload + (params.length ? '?' + params.join('&') : ''));
        xhr.setRequestHeader('X-CSRF-Token', form.dataset.csrf);
        xhr.setRequestHeader('Content-Type', 'text/csv' + (charset && charset.value ? '; charset=' + charset.value : ''));
        button.disabled = true;
        bar.hidden = false;
        bar.value = 0;
        status.textContent = status.dataset.sending;
        target.innerHTML = '';
        // The server reads the file as it arrives, so the upload's progress is the import's.
        xhr.upload.addEventListener('progress', function (p) {
          if (p.lengthComputable) { bar.value = Math.round(100 * p.loaded / p.total); }
        });
        xhr.upload.addEventListener('load', function () { status.textContent = status.dataset.working; });
        var batch = null;
        xhr.addEventListener('readystatechange', function () {
          if (xhr.readyState === 2 && form.dataset.progress && xhr.getResponseHeader('X-Batch-Id')) {
            batch = form.dataset.progress + xhr.getResponseHeader('X-Batch-Id');
            poll(batch, document.getElementById('bulk-progress'), xhr);
          }
        });
        xhr.addEventListener('load', function () {
          // The session ended meanwhile: the answer is the sign-in page.
          if (xhr.responseURL && new URL(xhr.responseURL).pathname === '/ui/sign-in') {
            window.location.assign('/ui/sign-in');
            return;
          }
          button.disabled = false;
          bar.value = 100;
          status.textContent = '';
          if (form.dataset.result === 'download' && xhr.status === 200) {
            offer(xhr.responseText, target, form.dataset.filename || 'results.csv', form.dataset.downloadLabel);
          } else {
            target.innerHTML = xhr.responseText;
          }
          if (batch) { poll(batch, document.getElementById('bulk-progress'), xhr); }
          document.body.dataset.uploaded = String(xhr.status);
        });
        xhr.addEventListener('error', function () {
          button.disabled = false;
          status.textContent = status.dataset.failed;
        });
        xhr.send(file);
      });
    });
  });

  // Reads a server-rendered progress fragment until the answer is complete.
  function poll(url, into, xhr) {
    function once() {
      var r = new XMLHttpRequest();
      r.open('GET', url);
      r.addEventListener('load', function () {
        if (r.status === 200 && into) { into.innerHTML = r.responseText; }
        if (xhr.readyState !== 4) { setTimeout(once, 500); }
      });
      r.send();
    }
    once();
  }

  function offer(text, into, filename, label) {
    var blob = new Blob([text], { type: 'text/csv' });
    var a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = filename;
    a.id = 'download';
    a.className = 'button';
    a.textContent = label;
    into.appendChild(a);
  }
})();

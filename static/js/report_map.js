/* report_map.js — the markers of the public list of fault reports
 * (templates/reports/list.html) on the map that map.js draws. When map.js has
 * drawn a map inside [data-report-map] it says so with a "trygg:map" event;
 * this script then loads the reports of the list's filters inside the visible
 * box from data-markers (/felanmalan/karta.geojson, no personal data: number,
 * category, status, link) and draws one marker each, again after every move.
 * The server sends at most a few hundred; the status line says how many are
 * shown and when there were more. The table below the map is the content:
 * without JavaScript, Leaflet or the data, it is all there is.
 */
(function () {
  'use strict';
  var L = window.L;
  if (!L || !window.fetch || !window.URLSearchParams) {
    return;
  }

  var OPEN = '#a4161a', CLOSED = '#3a5a40';

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function connect(section, map) {
    var d = section.dataset;
    var status = section.querySelector('[data-report-map-status]');
    var layer = L.layerGroup().addTo(map);
    var markers = {}; // report id → its marker
    var seq = 0, loads = 0;
    var say = function (text) {
      if (status) {
        status.textContent = text;
      }
    };
    var load = function () {
      var b = map.getBounds();
      var url = new URL(d.markers, window.location.href);
      url.searchParams.set('bbox', [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
        .map(function (v) { return v.toFixed(6); }).join(','));
      var mine = ++seq;
      fetch(url.toString(), { credentials: 'same-origin' }).then(function (res) {
        if (!res.ok) {
          throw new Error(url + ': ' + res.status);
        }
        return res.json();
      }).then(function (data) {
        if (mine !== seq) {
          return; // a newer view was asked for meanwhile
        }
        // Markers still in view stay (an open popup, which moves the map, is not closed by the reload).
        var wanted = {};
        data.features.forEach(function (f) {
          var p = f.properties, xy = f.geometry.coordinates;
          wanted[p.id] = true;
          if (markers[p.id]) {
            return;
          }
          var colour = p.open ? OPEN : CLOSED;
          markers[p.id] = L.circleMarker([xy[1], xy[0]], { radius: 7, color: colour, weight: 2, fillColor: colour, fillOpacity: 0.6, className: 'report-marker' })
            .bindPopup('<strong>' + escapeHtml(p.id) + ' · ' + escapeHtml(p.category) + '</strong><br>' +
              escapeHtml(p.status) + '<br><a href="' + escapeHtml(p.url) + '">' + escapeHtml(d.openLabel) + '</a>')
            .addTo(layer);
        });
        Object.keys(markers).forEach(function (id) {
          if (!wanted[id] && !markers[id].isPopupOpen()) {
            layer.removeLayer(markers[id]);
            delete markers[id];
          }
        });
        var n = String(data.features.length);
        say((data.truncated ? d.truncated : d.shown).replace('{n}', n));
        section.setAttribute('data-loaded', n);
        section.setAttribute('data-loads', String(++loads)); // how many answers were drawn (for tests)
      }).catch(function () {
        if (mine === seq) {
          say(d.failed);
        }
      });
    };
    map.on('moveend', load);
    load();
  }

  document.addEventListener('trygg:map', function (e) {
    var section = e.target.closest && e.target.closest('[data-report-map]');
    if (section && e.detail && e.detail.map) {
      connect(section, e.detail.map);
    }
  });
})();

/* survey_map.js — the survey results' map (templates/survey/results.html): each
 * area coloured by a problem item's index, with the number written on the area
 * (never colour alone), and a select to choose the item. It only repeats the
 * table beside it, which is the content; without JavaScript or Leaflet the map
 * stays hidden. Everything arrives in data-* attributes (no inline script):
 * data-geojson (the areas), data-values ({items: [{code, label, max, areas:
 * {AREA_ID: {v, t}}}]}; t is the number as the page writes it, "–" when
 * suppressed), data-select-label.
 */
(function () {
  'use strict';
  var L = window.L;
  if (!L || !window.fetch || !document.querySelectorAll) {
    return;
  }
  /* Light to dark; every step differs from its neighbour and the darkest
   * carries white text. */
  var SCALE = ['#eef3f8', '#c6d9ea', '#8fb3d5', '#4f86b8', '#1d5a85'];

  function colour(value, max) {
    if (value === null || value === undefined) {
      return '#ffffff';
    }
    var k = Math.min(SCALE.length - 1, Math.floor((value / max) * SCALE.length));
    return SCALE[Math.max(0, k)];
  }

  function setUp(el) {
    var d = el.dataset;
    var values;
    try {
      values = JSON.parse(d.values);
    } catch (e) {
      return;
    }
    if (!values.items || values.items.length === 0) {
      return;
    }
    fetch(d.geojson, { credentials: 'same-origin' }).then(function (res) {
      return res.ok ? res.json() : null;
    }).then(function (data) {
      if (!data || !data.features) {
        return;
      }
      var field = document.createElement('div');
      field.className = 'field';
      var label = document.createElement('label');
      label.htmlFor = el.id + '-item';
      label.textContent = d.selectLabel || '';
      var select = document.createElement('select');
      select.id = el.id + '-item';
      values.items.forEach(function (item, i) {
        var o = document.createElement('option');
        o.value = String(i);
        o.textContent = item.label;
        select.appendChild(o);
      });
      field.appendChild(label);
      field.appendChild(select);
      el.parentNode.insertBefore(field, el);
      el.hidden = false;
      var map = L.map(el, { scrollWheelZoom: false, zoomSnap: 0.25 });
      map.attributionControl.setPrefix(false);
      var layer = L.geoJSON(data, {
        filter: function (f) { return !(f.properties && f.properties.kind === 'municipality'); },
        style: { color: '#1a1a1a', weight: 1, fillOpacity: 0.85 }
      }).addTo(map);
      map.fitBounds(layer.getBounds());

      function show(i) {
        var item = values.items[i];
        layer.eachLayer(function (l) {
          var a = item.areas[String(l.feature.properties.id)];
          l.setStyle({ fillColor: colour(a && a.v, item.max) });
          l.unbindTooltip();
          // only the number on the map (the names would cover each other); the table names the areas
          l.bindTooltip(a ? a.t : '–', { permanent: true, direction: 'center', className: 'survey-map-label' });
        });
      }
      select.addEventListener('change', function () { show(Number(select.value)); });
      show(0);
    }).catch(function () {});
  }

  document.addEventListener('DOMContentLoaded', function () {
    var els = document.querySelectorAll('[data-survey-map]');
    for (var i = 0; i < els.length; i++) {
      setUp(els[i]);
    }
  });
}());

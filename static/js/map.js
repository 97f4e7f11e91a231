/* map.js — Trygg's map component. Draws the municipality's boundary and areas
 * (GeoJSON from data-geojson, normally /omraden.geojson) in every element with
 * data-map, over tiles from data-tiles when a tile server is configured, and
 * connects the place chooser (templates/partials/place.html): a click on its
 * map sets a point, fills the hidden place_lat/place_lon fields and selects the
 * point's area, asked from data-locate (/omraden/punkt).
 *
 * Leaflet comes from Debian's libjs-leaflet, served by Trygg. Everything the
 * script needs arrives in data-* attributes (the Content-Security-Policy allows
 * no inline script). When tiles cannot load, the boundary and the areas are
 * still drawn; when Leaflet, JavaScript or the data are missing, the maps stay
 * hidden and the page's lists and selects, which carry the same facts, remain.
 */
(function () {
  'use strict';
  var L = window.L;
  if (!L || !window.fetch || !document.querySelectorAll) {
    return;
  }

  var BRAND = '#0b4f8a', BRAND_DARK = '#073763', POINT = '#a4161a';

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function isBoundary(feature) {
    return feature.properties && feature.properties.kind === 'municipality';
  }

  // One request per address, however many maps a page has.
  var loads = {};
  function loadGeoJson(url) {
    if (!loads[url]) {
      loads[url] = fetch(url, { credentials: 'same-origin' }).then(function (res) {
        if (!res.ok) {
          throw new Error(url + ': ' + res.status);
        }
        return res.json();
      });
    }
    return loads[url];
  }

  /* Draws the map in el. Returns a promise of {map, areas} (null when there is
   * nothing to draw or the data cannot load: the map then stays hidden). */
  function drawMap(el) {
    var d = el.dataset;
    return loadGeoJson(d.geojson).then(function (data) {
      if (!data || !data.features || data.features.length === 0) {
        return null;
      }
      el.hidden = false;
      var map = L.map(el, { zoomControl: false, scrollWheelZoom: false, zoomSnap: 0.25 });
      map.attributionControl.setPrefix(false);
      L.control.zoom({ zoomInTitle: d.zoomIn || 'Zoom in', zoomOutTitle: d.zoomOut || 'Zoom out' }).addTo(map);
      var highlight = d.highlight || '';
      var highlighted = null;
      var areas = L.geoJSON(data, {
        filter: function (f) { return !isBoundary(f); },
        style: function (f) {
          var on = String(f.properties.id) === highlight;
          return { color: BRAND, weight: on ? 4 : 1.5, fillColor: BRAND, fillOpacity: on ? 0.35 : 0.08 };
        },
        onEachFeature: function (f, layer) {
          var name = f.properties.name + (f.properties.approximate && d.approximate ? ' (' + d.approximate + ')' : '');
          layer.bindTooltip(escapeHtml(name), { sticky: true });
          if (String(f.properties.id) === highlight) {
            highlighted = layer;
          }
        }
      });
      var boundary = L.geoJSON(data, {
        filter: isBoundary,
        interactive: false,
        style: { color: BRAND_DARK, weight: 3, dashArray: '10 6', fill: false }
      });
      var frame = highlighted || (boundary.getLayers().length ? boundary : areas);
      map.fitBounds(frame.getBounds(), { padding: [10, 10] });
      if (d.tiles) {
        L.tileLayer(d.tiles, { attribution: escapeHtml(d.attribution || ''), maxZoom: 19 }).addTo(map);
      }
      areas.addTo(map);
      boundary.addTo(map);
      // Other scripts (e.g. report_map.js) add their layers when the map is drawn.
      el.dispatchEvent(new CustomEvent('trygg:map', { bubbles: true, detail: { map: map } }));
      return { map: map, areas: areas };
    }).catch(function () {
      el.hidden = true;
      return null;
    });
  }

  /* The place chooser: the select stays the way to choose; the map adds a point. */
  function connectPlace(fieldset) {
    var wrap = fieldset.querySelector('[data-place-map]');
    var el = wrap && wrap.querySelector('[data-map]');
    var select = fieldset.querySelector('select[name="place_area"]');
    var lat = fieldset.querySelector('[data-place-lat]');
    var lon = fieldset.querySelector('[data-place-lon]');
    var status = wrap && wrap.querySelector('[data-place-status]');
    var clear = wrap && wrap.querySelector('[data-place-clear]');
    if (!el || !select || !lat || !lon || !status || !clear) {
      return;
    }
    wrap.hidden = false;
    drawMap(el).then(function (drawn) {
      if (!drawn) {
        wrap.hidden = true;
        return;
      }
      var marker = null;
      var say = function (text) { status.textContent = text || ''; };
      var removePoint = function () {
        lat.value = '';
        lon.value = '';
        if (marker) {
          drawn.map.removeLayer(marker);
          marker = null;
        }
        clear.hidden = true;
      };
      var setPoint = function (latlng, lookUp) {
        lat.value = latlng.lat.toFixed(7);
        lon.value = latlng.lng.toFixed(7);
        if (marker) {
          marker.setLatLng(latlng);
        } else {
          marker = L.circleMarker(latlng, { radius: 8, color: POINT, weight: 3, fillColor: POINT, fillOpacity: 0.5 }).addTo(drawn.map);
        }
        clear.hidden = false;
        if (!lookUp) {
          return;
        }
        var url = el.dataset.locate + '?lat=' + encodeURIComponent(lat.value) + '&lon=' + encodeURIComponent(lon.value);
        fetch(url, { credentials: 'same-origin' }).then(function (res) {
          if (!res.ok) {
            throw new Error(url + ': ' + res.status);
          }
          return res.json();
        }).then(function (answer) {
          if (answer.result === 'found') {
            select.value = String(answer.area.id);
            say(status.dataset.found.replace('{name}', answer.area.name));
          } else {
            select.value = '';
            say(answer.result === 'outside' ? status.dataset.outside : status.dataset.unassigned);
          }
        }).catch(function () {
          say(status.dataset.failed);
        });
      };
      drawn.map.on('click', function (e) { setPoint(e.latlng, true); });
      select.addEventListener('change', function () {
        if (marker) {
          removePoint();
          say(status.dataset.cleared);
        }
      });
      clear.addEventListener('click', function () {
        removePoint();
        say(status.dataset.cleared);
        select.focus();
      });
      if (lat.value && lon.value && isFinite(lat.value) && isFinite(lon.value)) {
        setPoint(L.latLng(Number(lat.value), Number(lon.value)), false);
      }
    });
  }

  function start() {
    var places = document.querySelectorAll('[data-place]');
    var inPlace = [];
    for (var i = 0; i < places.length; i++) {
      connectPlace(places[i]);
      inPlace.push(places[i].querySelector('[data-map]'));
    }
    var maps = document.querySelectorAll('[data-map]');
    for (var j = 0; j < maps.length; j++) {
      if (inPlace.indexOf(maps[j]) < 0) {
        drawMap(maps[j]);
      }
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();

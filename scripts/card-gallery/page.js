/* global AdaptiveCards */
/*
 * Runs inside the gallery's browser page, after adaptivecards.min.js (the package's UMD bundle).
 * Plain JavaScript on purpose: it is loaded as a script tag, never transpiled.
 */
(function () {
  'use strict';

  /** Renders cards into #cards, one framed section per card; returns the parse/render errors of each. */
  function galleryRender(request) {
    var root = document.getElementById('cards');
    root.innerHTML = '';
    var results = [];
    request.cards.forEach(function (item) {
      var errors = [];
      var frame = document.createElement('section');
      frame.className = 'frame';
      frame.id = 'card-' + item.id;
      frame.setAttribute('aria-label', item.title);
      frame.style.width = request.width + 'px';
      root.appendChild(frame);
      try {
        var card = new AdaptiveCards.AdaptiveCard();
        card.hostConfig = new AdaptiveCards.HostConfig(request.hostConfig);
        card.onExecuteAction = function () {};
        var context = new AdaptiveCards.SerializationContext(AdaptiveCards.Versions.v1_5);
        card.parse(item.card, context);
        for (var i = 0; i < context.eventCount; i++) errors.push('parse: ' + context.getEventAt(i).message);
        var element = card.render();
        if (!element) errors.push('render() returned nothing');
        else frame.appendChild(element);
      } catch (error) {
        errors.push('render threw: ' + (error && error.message ? error.message : String(error)));
      }
      results.push({ id: item.id, errors: errors });
    });
    return results;
  }

  function describe(element) {
    var name = element.tagName.toLowerCase();
    if (element.className && typeof element.className === 'string') name += '.' + element.className.trim().split(/\s+/).join('.');
    var text = (element.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 60);
    return name + (text ? ' “' + text + '”' : '');
  }

  /** Elements of a rendered card whose content is wider than their box (clipped or spilling sideways). */
  function galleryOverflow(id) {
    var frame = document.getElementById('card-' + id);
    if (!frame) return ['card ' + id + ' was not rendered'];
    var problems = [];
    if (frame.scrollWidth > frame.clientWidth + 1) {
      problems.push('card is ' + frame.scrollWidth + 'px wide in a ' + frame.clientWidth + 'px frame');
    }
    var all = frame.querySelectorAll('*');
    for (var i = 0; i < all.length; i++) {
      var el = all[i];
      if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
        problems.push(describe(el) + ': content ' + el.scrollWidth + 'px in ' + el.clientWidth + 'px');
      }
    }
    return problems;
  }

  window.galleryRender = galleryRender;
  window.galleryOverflow = galleryOverflow;
})();

// Builds web/static/dist from web/assets (run by scripts/build-assets after `npm ci`).
//   app.css   <- web/assets/scss/app.scss (govuk-frontend SCSS, our brand, system fonts)
//   app.js    <- web/assets/js/app.js (govuk-frontend initAll + small enhancements)
//   modeler.js/.css, viewer.js/.css, dmn.js/.css <- the bpmn-js / dmn-js page bundles
//   assets/   <- fonts used by bpmn-js/dmn-js CSS, our favicon
// Everything is written to a temporary folder first and swapped in at the end, so a running
// server never serves a half-written bundle.
import { build } from 'esbuild';
import * as sass from 'sass';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const staticDir = path.join(repo, 'web', 'static');
const outDir = path.join(staticDir, 'dist');
const tmpDir = path.join(staticDir, `.dist-tmp-${process.pid}`);
const sourcemap = process.env.LSCB_ASSETS_SOURCEMAP !== '0';
const started = Date.now();

// ---- CSP: no inline styles ---------------------------------------------------------------
// The app's CSP is style-src 'self' (no 'unsafe-inline'). A few upstream modules put style=""
// attributes into HTML strings, or inject <style> elements (CodeMirror's style-mod, used by
// the FEEL editors). This plugin rewrites exactly those spots at bundle time; the equivalent
// rules live in web/assets/css/*.css. Each patch must match, so an upstream change that moves
// the code fails the build loudly instead of silently bringing back CSP violations.
const svgStyleToAttributes = (src) => src.replace(/ style="([^"]*)"/g, (m, decls) => decls
  .split(';').map((d) => d.trim()).filter(Boolean)
  .map((d) => { const i = d.indexOf(':'); return ` ${d.slice(0, i).trim()}="${d.slice(i + 1).trim()}"`; })
  .join(''));

const CSP_PATCHES = [
  {
    file: /bpmn-js-properties-panel[\\/]dist[\\/]index\.esm\.js$/,
    apply: (src) => src
      .replace('<div style="height: 100%" tabindex="-1" class="bio-properties-panel-container">', '<div tabindex="-1" class="bio-properties-panel-container">')
      .replace('<div style="flex: none; height: auto" class="bio-properties-panel', '<div class="bio-properties-panel'),
    expect: (out) => !/<div style="(height: 100%|flex: none; height: auto)"/.test(out)
  },
  {
    file: /bpmn-js[\\/]lib[\\/]features[\\/](align|distribute)-elements[\\/]\w+Icons\.js$/,
    apply: svgStyleToAttributes,
    expect: (out) => !out.includes(' style="')
  },
  {
    file: /dmn-js-shared[\\/]lib[\\/]util[\\/]PoweredByUtil\.js$/,
    apply: (src) => src
      .replace(/ style="vertical-align:middle"/g, ' class="bjs-powered-by-logo"')
      .replace("'style=\"position: absolute; bottom: 15px; right: 15px; z-index: 100;\">'", "'>'")
      .replace(/ style="' \+ (LIGHTBOX|BACKDROP|NOTICE)_STYLES \+ '"/g, '')
      .replace(" style=\"margin: 15px 20px 15px 10px; align-self: center;' + '\"", " class=\"bjs-powered-by-notice-logo\"' + '"),
    expect: (out) => !out.includes('style="')
  },
  {
    // Decision table row/column drag image: an invisible off-screen span.
    file: /dmn-js-decision-table[\\/]lib[\\/]features[\\/]drag-and-drop[\\/]DragAndDrop\.js$/,
    apply: (src) => src.replace(/<span style="\s*visibility: hidden;\s*position: fixed;\s*top: -10000px\s*"><\/span>/, '<span class="dmn-drag-image"></span>'),
    expect: (out) => out.includes('<span class="dmn-drag-image"></span>')
  },
  {
    // accessible-autocomplete's "n of m" suffix for iOS VoiceOver: a visually hidden span.
    file: /accessible-autocomplete[\\/]dist[\\/]accessible-autocomplete\.min\.js$/,
    apply: (src) => src.replace(/ style="border:0;clip:rect\(0 0 0 0\);[^"]*"/, ' class="govuk-visually-hidden"'),
    expect: (out) => !out.includes('style="')
  },
  {
    // CodeMirror's style-mod: use a constructable stylesheet (not subject to style-src) for the
    // document too, instead of a <style> element that the CSP would block.
    file: /style-mod[\\/]src[\\/]style-mod\.js$/,
    apply: (src) => src.replace('if (!root.head && root.adoptedStyleSheets && win.CSSStyleSheet)', 'if (root.adoptedStyleSheets && win.CSSStyleSheet)'),
    expect: (out) => out.includes('if (root.adoptedStyleSheets && win.CSSStyleSheet)')
  }
];

const cspPlugin = {
  name: 'csp-no-inline-styles',
  setup(b) {
    const seen = new Set();
    b.onLoad({ filter: /\.(m?js|cjs)$/ }, async (args) => {
      const patch = CSP_PATCHES.find((p) => p.file.test(args.path));
      if (!patch) {
        return undefined;
      }
      const src = await fs.promises.readFile(args.path, 'utf8');
      const out = patch.apply(src);
      if (!patch.expect(out)) {
        throw new Error(`CSP patch for ${args.path} no longer matches; update web/assets/build.mjs`);
      }
      seen.add(patch);
      return { contents: out, loader: 'js' };
    });
    b.onEnd(() => {
      const missed = CSP_PATCHES.filter((p) => !seen.has(p));
      if (missed.length) {
        throw new Error(`CSP patches not applied (module moved?): ${missed.map((p) => p.file).join(', ')}`);
      }
    });
  }
};

fs.rmSync(tmpDir, { recursive: true, force: true });
fs.mkdirSync(path.join(tmpDir, 'assets', 'images'), { recursive: true });

try {
  // ---- SCSS -------------------------------------------------------------------------------
  const css = sass.compile(path.join(here, 'scss', 'app.scss'), {
    loadPaths: [path.join(repo, 'node_modules')],
    style: 'compressed',
    // govuk-frontend v5 still uses @import and global functions: silence what is theirs.
    quietDeps: true,
    silenceDeprecations: ['import'],
    sourceMap: sourcemap,
    sourceMapIncludeSources: false
  });
  let cssText = css.css;
  if (sourcemap && css.sourceMap) {
    css.sourceMap.sources = css.sourceMap.sources.map((s) => (
      s.startsWith('file:') ? path.relative(tmpDir, fileURLToPath(s)) : s));
    fs.writeFileSync(path.join(tmpDir, 'app.css.map'), JSON.stringify(css.sourceMap));
    cssText += '\n/*# sourceMappingURL=app.css.map */\n';
  }
  fs.writeFileSync(path.join(tmpDir, 'app.css'), cssText);

  // ---- JS bundles -------------------------------------------------------------------------
  const result = await build({
    absWorkingDir: repo,
    entryPoints: {
      app: 'web/assets/js/app.js',
      modeler: 'web/assets/js/modeler.js',
      viewer: 'web/assets/js/viewer.js',
      dmn: 'web/assets/js/dmn.js'
    },
    outdir: tmpDir,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15', 'edge100'],
    minify: true,
    sourcemap: sourcemap ? 'linked' : false,
    sourcesContent: false,
    legalComments: 'linked',
    charset: 'utf8',
    logLevel: 'warning',
    metafile: true,
    plugins: [cspPlugin],
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: {
      '.woff': 'file',
      '.woff2': 'file',
      '.ttf': 'file',
      '.eot': 'file',
      '.svg': 'file',
      '.png': 'file'
    },
    assetNames: 'assets/[name]-[hash]'
  });

  // ---- our own static images --------------------------------------------------------------
  for (const name of fs.readdirSync(path.join(here, 'images'))) {
    fs.copyFileSync(path.join(here, 'images', name), path.join(tmpDir, 'assets', 'images', name));
  }

  // ---- swap in ----------------------------------------------------------------------------
  const old = path.join(staticDir, `.dist-old-${process.pid}`);
  if (fs.existsSync(outDir)) {
    fs.renameSync(outDir, old);
  }
  fs.renameSync(tmpDir, outDir);
  fs.rmSync(old, { recursive: true, force: true });

  // ---- report -----------------------------------------------------------------------------
  const rows = [];
  for (const name of ['app.css', 'app.js', 'modeler.js', 'modeler.css', 'viewer.js', 'viewer.css', 'dmn.js', 'dmn.css']) {
    const file = path.join(outDir, name);
    if (fs.existsSync(file)) {
      const data = fs.readFileSync(file);
      rows.push([name, data.length, zlib.gzipSync(data, { level: 9 }).length]);
    }
  }
  const kb = (n) => `${(n / 1024).toFixed(1)} KiB`.padStart(11);
  console.log('web/static/dist:');
  for (const [name, raw, gz] of rows) {
    console.log(`  ${name.padEnd(12)} ${kb(raw)}  (gzip ${kb(gz).trim()})`);
  }
  const assetCount = fs.readdirSync(path.join(outDir, 'assets')).length;
  console.log(`  assets/      ${assetCount} entries; built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (result.warnings.length) {
    console.log(`  esbuild warnings: ${result.warnings.length}`);
  }
} catch (err) {
  fs.rmSync(tmpDir, { recursive: true, force: true });
  console.error(err.message || err);
  process.exit(1);
}

/** esbuild bundles the page's CSS from this import (into app.css). */
declare module '*.css'

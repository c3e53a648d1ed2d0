/** The page's entry: take the token from the printed URL, then draw the app. */
import { render } from 'preact'
import { takeToken } from './api.js'
import { App } from './components/App.js'
import './styles.css'

takeToken(window.location, window.history)
render(<App />, document.getElementById('app')!)

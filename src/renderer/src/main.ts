// The page's entry: the app, or the page that says the address lacks its token (browser host).
import { mount } from 'svelte';
import App from './App.svelte';
import MissingToken from './components/project/MissingToken.svelte';
import { missingHostToken } from '$lib/api';
import './app.css';

mount(missingHostToken ? MissingToken : App, { target: document.getElementById('app')! });

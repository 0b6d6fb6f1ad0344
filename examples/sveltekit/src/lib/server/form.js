// Helpers shared by the sign-up and sign-in form actions.

/**
 * Returns the trimmed text fields of a form; a missing field is "".
 * @template {string} K
 * @param {FormData} form
 * @param {K[]} names
 * @returns {Record<K, string>}
 */
export function textFields(form, names) {
	/** @type {Record<string, string>} */
	const out = {};
	for (const name of names) {
		const value = form.get(name);
		out[name] = typeof value === 'string' ? (name === 'password' ? value : value.trim()) : '';
	}
	return /** @type {Record<K, string>} */ (out);
}

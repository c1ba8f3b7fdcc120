import { type ClientStack, cause } from './types.js';

/**
 * Ruby's openssl extension (ext/openssl/ossl_ssl.c: "SSL_connect returned=1 errno=0 peeraddr=… state=error:
 * certificate verify failed (<reason>)"; Ruby < 2.4 printed "state=SSLv3 read server certificate B") and
 * Net::HTTP/Faraday around it.
 */
export const ruby: ClientStack = {
  key: 'ruby',
  label: 'Ruby (openssl, Net::HTTP, Faraday, RubyGems)',
  impact: 'ruby',
  versions: 'Ruby 2.x–3.x',
  markers: [/OpenSSL::SSL::SSLError/, /SSL_connect returned=\d/, /Faraday::(SSLError|ConnectionFailed)/, /\bGem::/],
  openssl: (r) => `SSL_connect returned=1 errno=0 state=error: certificate verify failed (${r.text})`,
  errors: [
    {
      id: 'hostname_mismatch',
      text: 'hostname "<host>" does not match the server certificate',
      pattern: /hostname "[^"]*" does not match the server certificate/i,
      causes: [cause('hostname_mismatch', 'The certificate does not list the host name Ruby connected to.')],
    },
  ],
};

/**
 * PHP streams (ext/openssl/xp_ssl.c: "SSL operation failed with code 1. OpenSSL Error messages: error:…:certificate
 * verify failed", "Peer certificate CN=`a' did not match expected CN=`b'") and PHP's curl extension
 * ("cURL error 60: SSL certificate problem: …", as Guzzle prints it).
 */
export const php: ClientStack = {
  key: 'php',
  label: 'PHP (streams / file_get_contents, cURL, Guzzle)',
  impact: 'php',
  versions: 'PHP 5.6–8.x',
  markers: [
    /SSL operation failed with code \d/,
    /\b(file_get_contents|stream_socket_client|fopen)\(\)/,
    /Failed to enable crypto/,
    /cURL error \d+/,
    /GuzzleHttp/,
  ],
  openssl: (r) => `cURL error 60: SSL certificate problem: ${r.text}`,
  errors: [
    {
      id: 'peer_cn_mismatch',
      text: "Peer certificate CN=`<cn>' did not match expected CN=`<host>'",
      pattern: /Peer certificate CN=`[^']*' did not match expected CN=/i,
      causes: [cause('hostname_mismatch', 'The certificate is for another name than the one PHP connected to.')],
    },
  ],
};

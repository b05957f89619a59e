/**
 * The two languages of issue #3, chosen once from the browser. Kept as plain objects (no library) so the first
 * screen stays small; `pt` must have every key `en` has (the type checks it).
 */
const en = {
  appName: 'Papo',
  loginTitle: 'Log in or sign up',
  loginHint: 'New here? Pick a username and a password: a username nobody has yet creates your account.',
  username: 'Username',
  password: 'Password',
  usernameRule: '3 to 32 letters a-z or digits, with a single _ . or - only between them',
  passwordRule: 'For a new account: at least 8 characters, not your username, nothing like aaaaaaaa or 12345678',
  enter: 'Enter',
  usernameRefused: 'This username cannot be used: see its rule under the field.',
  passwordRefused: 'This password cannot be used: see its rule under the field.',
  entering: 'Entering…',
  wrongPassword: 'Wrong password for this username.',
  tooManyTries: 'Too many attempts. Wait a moment and try again.',
  accountLocked: 'This account is locked: its record on the server is damaged. Ask the server’s operator to reset its password.',
  offlineLogin: 'You are offline. Connect to log in.',
  somethingWrong: 'Something went wrong. Try again.',
  welcomeNew: 'Welcome, {name}! Your account was created.',
  chats: 'Chats',
  newChatLabel: 'Start a chat with (username)',
  newChatPlaceholder: 'username',
  start: 'Start',
  noSuchUser: 'There is no user named “{name}”.',
  cannotCheckOffline: 'You are offline: “{name}” will be checked when the connection is back.',
  noChats: 'No conversations yet. Type a username above to start one.',
  unread: '{n} unread',
  you: 'You',
  menu: 'Menu',
  history: 'All history',
  logout: 'Log out',
  logoutUnsent: '{n} message(s) not sent yet. They go out only when you log in again on this device. Log out anyway?',
  back: 'Back',
  offline: 'Offline: messages will be sent when the connection is back.',
  reconnecting: 'Connecting…',
  messagePlaceholder: 'Message',
  messageLabel: 'Message to {name}',
  send: 'Send',
  today: 'Today',
  yesterday: 'Yesterday',
  loadingOlder: 'Loading older messages…',
  beginning: 'This is the beginning of your conversation.',
  historyBeginning: 'This is the beginning of your history.',
  noMessages: 'No messages yet. Say hi!',
  statusPending: 'Waiting to send',
  statusSent: 'Sent',
  statusDelivered: 'Delivered',
  statusRead: 'Read',
  statusFailed: 'Not sent',
  failedUnknownUser: 'Not sent: this user does not exist.',
  failedRejected: 'Not sent: {reason}',
  newMessages: 'New messages',
  unreadableMessage: 'This message could not be read.',
  announceMessage: 'New message from {name}: {text}',
  msgUsage: 'Usage: /msg user text',
  characterCount: '{n} / {max} characters',
  messageTooLong: 'Too long to send: {over} characters over the limit of {max}. Shorten it (nothing was cut).',
  historyTitle: 'All history',
  settings: 'Settings',
  settingsAccount: 'Account',
  settingsLanguage: 'Language',
  languageHint: 'Kept on this device. The app reloads in the language you pick.',
  loggedInAs: 'Logged in as {name}',
  fromTo: '{from} → {to}',
  crashed: 'This screen failed to load.',
  reload: 'Reload',
  notificationTitle: 'Message from {name}',
  sessionEnded: 'Your session ended. Log in again.',
  notYourself: 'That is you: pick someone else to talk to.',
  typing: 'typing…',
  online: 'online',
  lastSeenToday: 'last seen today at {time}',
  lastSeenYesterday: 'last seen yesterday at {time}',
  lastSeenOn: 'last seen {date}',
  settingsProfile: 'Profile',
  settingsPrivacy: 'Privacy',
  displayName: 'Display name',
  displayNameHint: 'Shown to the people you talk to, beside your username @{name}. Up to 40 characters.',
  save: 'Save',
  saved: 'Saved.',
  displayNameTooLong: 'At most 40 characters.',
  displayNameRefused: 'This name cannot be used: no line breaks or invisible direction marks.',
  choosePhoto: 'Choose a photo',
  removePhoto: 'Remove photo',
  photoHint: 'Seen by the people you talk to. JPEG, PNG or WebP.',
  photoFailed: 'This photo could not be used. Try a JPEG, PNG or WebP image.',
  lastSeenLabel: 'Who sees my last seen and when I am online',
  lastSeenEveryone: 'Everyone',
  lastSeenNobody: 'Nobody',
  lastSeenNobodyHint: 'If you hide yours, you do not see other people’s either.',
  attach: 'Attach',
  attachPhoto: 'Photo or video from the gallery',
  attachCamera: 'Take a photo',
  attachFile: 'File',
  removeAttachment: 'Remove {name}',
  attachmentsToSend: 'Files to send',
  uploading: 'Uploading {percent}%',
  openImage: 'Open {name} full screen',
  closeImage: 'Close',
  download: 'Download {name}',
  photo: 'Photo',
  fileMessage: 'File: {name}',
  settingsNotifications: 'Notifications',
  pushExplain:
    'Get a notification when a message arrives while Papo is closed: it shows who wrote and the text, and the app icon shows how many are unread. Tapping it opens that conversation.',
  pushOn: 'On for this device.',
  pushOff: 'Off for this device.',
  pushTurnOn: 'Turn on notifications',
  pushTurnOff: 'Turn off',
  pushDenied: 'Notifications are blocked for Papo in this browser. Allow them in the site settings, then come back here.',
  pushUnsupported: 'This browser cannot show notifications while Papo is closed (it needs HTTPS and a recent browser).',
  pushNeedsHomeScreen: 'On iPhone and iPad: tap Share, then “Add to Home Screen”, and open Papo from there (iOS 16.4 or later).',
  pushFailed: 'Notifications could not be turned on here. Try again later.',
} as const;

/** The name of one of the UI's texts. */
export type TextKey = keyof typeof en;

const pt: Record<TextKey, string> = {
  appName: 'Papo',
  loginTitle: 'Entrar ou criar conta',
  loginHint: 'Primeira vez? Escolha um nome de usuário e uma senha: um nome que ainda não existe cria a sua conta.',
  username: 'Nome de usuário',
  password: 'Senha',
  usernameRule: '3 a 32 letras a-z ou números, com um só _ . ou - apenas entre eles',
  passwordRule: 'Para uma conta nova: pelo menos 8 caracteres, sem o nome de usuário, nada como aaaaaaaa ou 12345678',
  enter: 'Entrar',
  usernameRefused: 'Este nome de usuário não pode ser usado: veja a regra abaixo do campo.',
  passwordRefused: 'Esta senha não pode ser usada: veja a regra abaixo do campo.',
  entering: 'Entrando…',
  wrongPassword: 'Senha incorreta para este usuário.',
  tooManyTries: 'Muitas tentativas. Espere um pouco e tente de novo.',
  accountLocked:
    'Esta conta está bloqueada: o registro dela no servidor está danificado. Peça ao administrador do servidor para redefinir a senha.',
  offlineLogin: 'Você está sem conexão. Conecte-se para entrar.',
  somethingWrong: 'Algo deu errado. Tente de novo.',
  welcomeNew: 'Bem-vindo(a), {name}! Sua conta foi criada.',
  chats: 'Conversas',
  newChatLabel: 'Conversar com (nome de usuário)',
  newChatPlaceholder: 'nome de usuário',
  start: 'Abrir',
  noSuchUser: 'Não existe usuário chamado “{name}”.',
  cannotCheckOffline: 'Sem conexão: “{name}” será verificado quando a conexão voltar.',
  noChats: 'Nenhuma conversa ainda. Digite um nome de usuário acima para começar.',
  unread: '{n} não lidas',
  you: 'Você',
  menu: 'Menu',
  history: 'Histórico completo',
  logout: 'Sair',
  logoutUnsent: '{n} mensagem(ns) ainda não enviada(s). Só sairão quando você entrar de novo neste aparelho. Sair mesmo assim?',
  back: 'Voltar',
  offline: 'Sem conexão: as mensagens serão enviadas quando a conexão voltar.',
  reconnecting: 'Conectando…',
  messagePlaceholder: 'Mensagem',
  messageLabel: 'Mensagem para {name}',
  send: 'Enviar',
  today: 'Hoje',
  yesterday: 'Ontem',
  loadingOlder: 'Carregando mensagens anteriores…',
  beginning: 'Este é o começo da conversa.',
  historyBeginning: 'Este é o começo do seu histórico.',
  noMessages: 'Nenhuma mensagem ainda. Diga oi!',
  statusPending: 'Aguardando envio',
  statusSent: 'Enviada',
  statusDelivered: 'Entregue',
  statusRead: 'Lida',
  statusFailed: 'Não enviada',
  failedUnknownUser: 'Não enviada: este usuário não existe.',
  failedRejected: 'Não enviada: {reason}',
  newMessages: 'Novas mensagens',
  unreadableMessage: 'Não foi possível ler esta mensagem.',
  announceMessage: 'Nova mensagem de {name}: {text}',
  msgUsage: 'Uso: /msg usuário texto',
  characterCount: '{n} / {max} caracteres',
  messageTooLong: 'Longa demais para enviar: {over} caracteres além do limite de {max}. Encurte-a (nada foi cortado).',
  historyTitle: 'Histórico completo',
  settings: 'Configurações',
  settingsAccount: 'Conta',
  settingsLanguage: 'Idioma',
  languageHint: 'Guardado neste aparelho. O app recarrega no idioma escolhido.',
  loggedInAs: 'Conectado como {name}',
  fromTo: '{from} → {to}',
  crashed: 'Esta tela não carregou.',
  reload: 'Recarregar',
  notificationTitle: 'Mensagem de {name}',
  sessionEnded: 'Sua sessão terminou. Entre de novo.',
  notYourself: 'Esse é você: escolha outra pessoa para conversar.',
  typing: 'digitando…',
  online: 'online',
  lastSeenToday: 'visto por último hoje às {time}',
  lastSeenYesterday: 'visto por último ontem às {time}',
  lastSeenOn: 'visto por último em {date}',
  settingsProfile: 'Perfil',
  settingsPrivacy: 'Privacidade',
  displayName: 'Nome de exibição',
  displayNameHint: 'Mostrado para quem conversa com você, ao lado do seu nome de usuário @{name}. Até 40 caracteres.',
  save: 'Salvar',
  saved: 'Salvo.',
  displayNameTooLong: 'No máximo 40 caracteres.',
  displayNameRefused: 'Este nome não pode ser usado: sem quebras de linha nem marcas de direção invisíveis.',
  choosePhoto: 'Escolher foto',
  removePhoto: 'Remover foto',
  photoHint: 'Vista por quem conversa com você. JPEG, PNG ou WebP.',
  photoFailed: 'Não foi possível usar esta foto. Tente uma imagem JPEG, PNG ou WebP.',
  lastSeenLabel: 'Quem vê meu visto por último e quando estou online',
  lastSeenEveryone: 'Todos',
  lastSeenNobody: 'Ninguém',
  lastSeenNobodyHint: 'Se você esconder o seu, também não verá o das outras pessoas.',
  attach: 'Anexar',
  attachPhoto: 'Foto ou vídeo da galeria',
  attachCamera: 'Tirar uma foto',
  attachFile: 'Arquivo',
  removeAttachment: 'Remover {name}',
  attachmentsToSend: 'Arquivos a enviar',
  uploading: 'Enviando {percent}%',
  openImage: 'Abrir {name} em tela cheia',
  closeImage: 'Fechar',
  download: 'Baixar {name}',
  photo: 'Foto',
  fileMessage: 'Arquivo: {name}',
  settingsNotifications: 'Notificações',
  pushExplain:
    'Receba uma notificação quando chegar uma mensagem com o Papo fechado: ela mostra quem escreveu e o texto, e o ícone do app mostra quantas não foram lidas. Tocar nela abre a conversa.',
  pushOn: 'Ativadas neste aparelho.',
  pushOff: 'Desativadas neste aparelho.',
  pushTurnOn: 'Ativar notificações',
  pushTurnOff: 'Desativar',
  pushDenied: 'As notificações do Papo estão bloqueadas neste navegador. Permita-as nas configurações do site e volte aqui.',
  pushUnsupported: 'Este navegador não mostra notificações com o Papo fechado (precisa de HTTPS e de um navegador recente).',
  pushNeedsHomeScreen:
    'No iPhone e no iPad: toque em Compartilhar, depois em “Adicionar à Tela de Início”, e abra o Papo por lá (iOS 16.4 ou posterior).',
  pushFailed: 'Não foi possível ativar as notificações aqui. Tente de novo mais tarde.',
};

export type Language = 'pt-BR' | 'en';

/** Where the language a person chose in the settings is kept on this device (issue #19, item 9). */
const LANGUAGE_KEY = 'papo.language';

/** The language chosen in the settings, if any: it wins over the browser's. */
export function chosenLanguage(): Language | null {
  try {
    const value = typeof localStorage === 'undefined' ? null : localStorage.getItem(LANGUAGE_KEY);
    return value === 'pt-BR' || value === 'en' ? value : null;
  } catch {
    return null;
  }
}

/**
 * Keeps the choice and reloads: every text, date and `<html lang>` is read once at start, so a reload is the
 * one way every screen (and the screen reader's voice) switches together.
 */
export function chooseLanguage(language: Language): void {
  try {
    localStorage.setItem(LANGUAGE_KEY, language);
  } catch {
    return;
  }
  location.reload();
}

function pickLocale(): Language {
  const chosen = chosenLanguage();
  if (chosen) return chosen;
  const wanted = typeof navigator === 'undefined' ? [] : (navigator.languages ?? [navigator.language]);
  return wanted
    .find((tag) => /^(pt|en)\b/i.test(tag))
    ?.toLowerCase()
    .startsWith('pt')
    ? 'pt-BR'
    : 'en';
}

/** 'pt-BR' or 'en', for `Intl` formatters and `<html lang>`. */
export const locale = pickLocale();
const texts: Record<TextKey, string> = locale === 'pt-BR' ? pt : en;

export function t(key: TextKey, params: Record<string, string | number> = {}): string {
  return texts[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}
